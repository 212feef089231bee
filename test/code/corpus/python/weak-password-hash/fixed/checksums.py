import hashlib


def etag(body):
    return hashlib.md5(body).hexdigest()


def cache_key(url):
    return hashlib.sha1(url.encode(), usedforsecurity=False).hexdigest()


def fingerprint(data, password_length):
    return hashlib.md5(data).hexdigest(), password_length
