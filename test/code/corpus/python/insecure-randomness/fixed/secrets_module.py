import os
import random
import secrets
import string


def new_session():
    token = secrets.token_urlsafe(32)
    password = "".join(secrets.choice(string.ascii_letters) for _ in range(16))
    otp = random.SystemRandom().randint(100000, 999999)
    nonce = os.urandom(16)
    return token, password, otp, nonce
