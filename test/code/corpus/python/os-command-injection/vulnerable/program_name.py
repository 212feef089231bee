import subprocess


def handler(event, context):
    tool = event["tool"]
    subprocess.run([tool, "--version"], check=True)  # expect: python/os-command-injection
    subprocess.run(event["command"])  # expect: python/os-command-injection
