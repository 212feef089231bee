import jwt
import requests

GITHUB_TOKEN = "ghp_EEtfjgVvVqE1SkHbn88HxjSI6bWHtP3fS2qH"  # expect: python/hardcoded-credentials
API_TOKEN = "0fb23c6f5da2cec255404e4fb440034d"  # expect: python/hardcoded-credentials
settings = {"client_secret": "3m03nbqnsGpWLuqIA1id6Vw5"}  # expect: python/hardcoded-credentials


def sign(payload):
    return jwt.encode(payload, "7f3a9c2e-signing-Key-2024", algorithm="HS256")  # expect: python/hardcoded-credentials


def handler(event, context):
    headers = {"Authorization": "token " + GITHUB_TOKEN}
    return requests.get("https://api.github.com/user", headers=headers).json()
