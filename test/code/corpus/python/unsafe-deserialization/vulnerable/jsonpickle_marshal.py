import marshal

import jsonpickle
from flask import Flask, request

app = Flask(__name__)


@app.route("/restore", methods=["POST"])
def restore():
    state = jsonpickle.decode(request.data)  # expect: python/unsafe-deserialization
    code = marshal.loads(request.files["blob"].read())  # expect: python/unsafe-deserialization
    return {"state": str(state), "code": str(code)}
