import ast
import json


def handler(event, context):
    data = ast.literal_eval(event["data"])
    body = json.loads(event["body"])
    return {"data": data, "body": body}
