def calculate(expr):
    return eval(expr)  # expect: python/code-injection


def handler(event, context):
    return {"value": calculate("1 + " + event["term"])}
