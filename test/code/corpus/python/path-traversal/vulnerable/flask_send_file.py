import os

from flask import Flask, request, send_file

app = Flask(__name__)
BASE = "/srv/files"


@app.route("/download")
def download():
    path = os.path.join(BASE, request.args["file"])
    return send_file(path)  # expect: python/path-traversal
