import os


def run_command(cmd):
    status = os.system(cmd)  # expect: python/os-command-injection
    return status == 0


def archive(path):
    return run_command("tar czf /tmp/out.tgz " + path)


def handler(event, context):
    return {"archived": archive(event["path"])}
