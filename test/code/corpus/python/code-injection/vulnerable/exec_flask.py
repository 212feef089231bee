from flask import Flask, request

app = Flask(__name__)


@app.route("/run", methods=["POST"])
def run():
    scope = {}
    exec(request.form["code"], scope)  # expect: python/code-injection
    return str(scope.get("result"))
