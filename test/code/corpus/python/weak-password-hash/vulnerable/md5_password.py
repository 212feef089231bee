import hashlib


def hash_password(password):
    return hashlib.md5(password.encode()).hexdigest()  # expect: python/weak-password-hash


def handler(event, context):
    return {"hash": hash_password(event["password"])}
