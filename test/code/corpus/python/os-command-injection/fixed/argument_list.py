import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.route("/ping", methods=["POST"])
def ping():
    host = request.form["host"]
    subprocess.run(["ping", "-c", "1", host], check=True)
    return subprocess.check_output(["git", "log", "--oneline", request.form["ref"]])
