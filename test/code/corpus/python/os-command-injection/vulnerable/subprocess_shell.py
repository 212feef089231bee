import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.route("/ping", methods=["POST"])
def ping():
    host = request.form["host"]
    out = subprocess.check_output(f"ping -c 1 {host}", shell=True)  # expect: python/os-command-injection
    return out
