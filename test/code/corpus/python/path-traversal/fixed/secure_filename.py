import os

from flask import Flask, request, send_from_directory
from werkzeug.utils import secure_filename

app = Flask(__name__)
UPLOADS = "/srv/uploads"


@app.route("/upload", methods=["POST"])
def upload():
    f = request.files["file"]
    name = secure_filename(f.filename)
    f.save(os.path.join(UPLOADS, name))
    with open(os.path.join(UPLOADS, name + ".meta"), "w") as meta:
        meta.write("uploaded")
    return send_from_directory(UPLOADS, request.args["name"])
