import sqlite3

from flask import Flask, request

app = Flask(__name__)


def get_db():
    return sqlite3.connect("app.db")


@app.route("/search")
def search():
    term = request.args.get("q", "")
    query = "SELECT name FROM products WHERE name LIKE '%{}%'".format(term)
    db = get_db()
    rows = db.execute(query).fetchall()  # expect: python/sql-injection
    return {"rows": rows}
