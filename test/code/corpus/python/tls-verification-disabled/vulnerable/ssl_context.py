import ssl
import urllib.request


def fetch(url):
    ctx = ssl._create_unverified_context()  # expect: python/tls-verification-disabled
    return urllib.request.urlopen(url, context=ctx).read()


def fetch_again(url):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False  # expect: python/tls-verification-disabled
    ctx.verify_mode = ssl.CERT_NONE  # expect: python/tls-verification-disabled
    return urllib.request.urlopen(url, context=ctx).read()
