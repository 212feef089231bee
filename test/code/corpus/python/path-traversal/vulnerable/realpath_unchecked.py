import os

BASE = "/srv/reports"


def handler(event, context):
    full = os.path.realpath(os.path.join(BASE, event["report"]))
    print("reading", full)
    return open(full).read()  # expect: python/path-traversal
