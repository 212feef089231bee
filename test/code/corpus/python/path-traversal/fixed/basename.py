import os


def lambda_handler(event, context):
    name = os.path.basename(event["pathParameters"]["name"])
    with open(os.path.join("/tmp/uploads", name)) as fh:
        return {"body": fh.read()}
