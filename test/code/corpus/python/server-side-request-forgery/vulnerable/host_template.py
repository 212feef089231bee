import requests


def handler(event, context):
    host = event["host"]
    return requests.get(f"http://{host}/status").json()  # expect: python/server-side-request-forgery
