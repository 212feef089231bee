import requests


def lambda_handler(event, context):
    url = event["queryStringParameters"]["url"]
    response = requests.get(url, timeout=5)  # expect: python/server-side-request-forgery
    return {"statusCode": response.status_code}
