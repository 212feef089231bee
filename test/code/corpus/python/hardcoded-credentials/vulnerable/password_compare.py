def check_login(username, password):
    if username == "admin" and password == "Adm1n-P4ssw0rd":  # expect: python/hardcoded-credentials
        return True
    return False


def handler(event, context):
    return {"ok": check_login(event["user"], event["password"])}
