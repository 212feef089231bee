import yaml
from yaml import CSafeLoader


def handler(event, context):
    a = yaml.safe_load(event["body"])
    b = yaml.load(event["body"], Loader=yaml.SafeLoader)
    c = yaml.load(event["body"], Loader=CSafeLoader)
    return {"a": a, "b": b, "c": c}
