import json
import pickle

with open("/opt/model/model.pkl", "rb") as fh:
    MODEL = pickle.load(fh)


def handler(event, context):
    features = json.loads(event["body"])
    return {"prediction": MODEL.predict([features])}
