import random


def generate_otp():
    return str(random.randint(100000, 999999))  # expect: python/insecure-randomness


def handler(event, context):
    return {"code": generate_otp()}
