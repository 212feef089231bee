import json

import requests

session = requests.Session()


def notify(target, payload):
    return session.post(target, json=payload, timeout=3)  # expect: python/server-side-request-forgery


def handler(event, context):
    body = json.loads(event["body"])
    notify(body["callback_url"], {"status": "done"})
