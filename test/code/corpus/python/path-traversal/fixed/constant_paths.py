import json
import os

BASE = os.path.dirname(__file__)


def handler(event, context):
    with open("config.json") as fh:
        config = json.load(fh)
    with open(os.path.join(BASE, "static", "index.html")) as page:
        return {"config": config, "page": page.read(), "user": event["user"]}
