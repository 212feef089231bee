import urllib.request
from urllib.request import urlopen

from flask import Flask, request

app = Flask(__name__)


@app.route("/preview")
def preview():
    feed = request.args["feed"]
    body = urllib.request.urlopen(feed).read()  # expect: python/server-side-request-forgery
    icon = urlopen(request.args["icon"]).read()  # expect: python/server-side-request-forgery
    return body + icon
