def lambda_handler(event, context):
    name = event["pathParameters"]["name"]
    with open("/tmp/uploads/" + name) as fh:  # expect: python/path-traversal
        return {"body": fh.read()}
