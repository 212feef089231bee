import hashlib


def store(user):
    digest = hashlib.new("sha1", user["passwd"].encode()).hexdigest()  # expect: python/weak-password-hash
    h = hashlib.sha1()
    h.update(user["pwd"].encode())  # expect: python/weak-password-hash
    return digest, h.hexdigest()


def legacy(salt, secret_value):
    password_hash = hashlib.md5((salt + secret_value).encode()).hexdigest()  # expect: python/weak-password-hash
    return password_hash
