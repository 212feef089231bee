import ssl
import urllib.request

import requests
import urllib3

urllib3.disable_warnings()


def handler(event, context):
    a = requests.get("https://internal.example.com/health", verify="/opt/ca.pem")
    b = requests.get("https://api.example.com/status", timeout=5)
    ctx = ssl.create_default_context(cafile="/opt/ca.pem")
    c = urllib.request.urlopen("https://internal.example.com", context=ctx)
    return a.status_code, b.status_code, c.status
