import random
from random import choice

CHARS = "abcdefghijkmnpqrstuvwxyz23456789"


def reset(user):
    reset_code = random.randrange(10**6)  # expect: python/insecure-randomness
    session_id = "%032x" % random.getrandbits(128)  # expect: python/insecure-randomness
    temp_password = "".join(choice(CHARS) for _ in range(12))  # expect: python/insecure-randomness
    user.update({"api_key": random.random()})  # expect: python/insecure-randomness
    return reset_code, session_id, temp_password
