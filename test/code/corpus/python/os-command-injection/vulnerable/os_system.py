import os


def lambda_handler(event, context):
    name = event["Records"][0]["s3"]["object"]["key"]
    os.system("convert /tmp/" + name + " /tmp/thumb.png")  # expect: python/os-command-injection
    return {"ok": True}
