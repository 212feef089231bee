import requests


class Adapter:
    def send(self, request, timeout=None):
        with open(request.url.replace("file://", ""), "rb") as fh:
            return fh.read()


def fetch(session, url):
    return session.get(url).text
