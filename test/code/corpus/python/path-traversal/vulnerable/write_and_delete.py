import os
import shutil

UPLOADS = "/tmp/uploads"


def handler(event, context):
    filename = event["filename"]
    target = os.path.join(UPLOADS, filename)
    with open(target, "w") as fh:  # expect: python/path-traversal
        fh.write(event["content"])
    if event.get("cleanup"):
        os.remove(target)  # expect: python/path-traversal
        shutil.rmtree(os.path.join(UPLOADS, event["dir"]))  # expect: python/path-traversal
