import base64
import pickle


def lambda_handler(event, context):
    payload = base64.b64decode(event["body"])
    obj = pickle.loads(payload)  # expect: python/unsafe-deserialization
    return {"type": type(obj).__name__}
