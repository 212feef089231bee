import requests
import urllib3

urllib3.disable_warnings()
session = requests.Session()
session.verify = False  # expect: python/tls-verification-disabled


def handler(event, context):
    r = requests.get("https://internal.example.com/health", verify=False)  # expect: python/tls-verification-disabled
    requests.post(  # expect: python/tls-verification-disabled
        "https://internal.example.com/report",
        json={"status": r.status_code},
        verify=False,
    )
    return r.status_code
