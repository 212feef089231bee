import os

BASE = "/srv/reports"


def handler(event, context):
    full = os.path.realpath(os.path.join(BASE, event["report"]))
    if not full.startswith(BASE + os.sep):
        raise PermissionError(event["report"])
    with open(full) as fh:
        return fh.read()
