import requests

API = "https://api.example.com"


def handler(event, context):
    user_id = event["pathParameters"]["id"]
    user = requests.get("https://api.example.com/users/" + user_id).json()
    items = requests.get(f"https://api.example.com/users/{user_id}/items").json()
    return {"user": user, "items": items, "orders": requests.get(API + "/orders", params={"user": user_id}).json()}
