import os
import shlex
import subprocess


def lambda_handler(event, context):
    name = event["key"]
    os.system("convert /tmp/" + shlex.quote(name) + " /tmp/thumb.png")
    subprocess.run("ls -la " + shlex.quote(event["dir"]), shell=True)
    return {"ok": True}
