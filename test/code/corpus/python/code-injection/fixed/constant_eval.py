OPERATIONS = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b}


def handler(event, context):
    total = eval("2 + 2")
    n = int(event["n"])
    doubled = eval(str(n) + " * 2")
    op = OPERATIONS[event["op"]]
    return {"total": total, "doubled": doubled, "result": op(1, 2)}
