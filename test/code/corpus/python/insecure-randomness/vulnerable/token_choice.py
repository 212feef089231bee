import random
import string


def new_session():
    token = "".join(random.choice(string.ascii_letters) for _ in range(32))  # expect: python/insecure-randomness
    return {"token": token}
