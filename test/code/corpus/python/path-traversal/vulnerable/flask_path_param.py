import os

from flask import Flask

app = Flask(__name__)
BASE = "/srv/files"


@app.route("/files/<path:name>")
def get_file(name):
    with open(os.path.join(BASE, name), "rb") as fh:  # expect: python/path-traversal
        return fh.read()
