import os


def handler(event, context):
    cmd = "ls"
    for arg in event.get("queryStringParameters", {}).get("args", []):
        cmd += " " + arg
    os.system(cmd)  # expect: python/os-command-injection
