def lambda_handler(event, context):
    expression = event["expression"]
    return {"result": eval(expression)}  # expect: python/code-injection
