import subprocess as sp
from os import popen


def handler(event, context):
    directory = event["dir"]
    listing = popen("ls -la " + directory).read()  # expect: python/os-command-injection
    proc = sp.Popen(["sh", "-c", "du -sh " + directory], stdout=sp.PIPE)  # expect: python/os-command-injection
    return listing + proc.communicate()[0].decode()
