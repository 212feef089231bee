from flask import Flask, request
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine("postgresql://app@db.internal/app")
SORT_COLUMNS = {"name", "created_at", "price"}


@app.route("/products")
def products():
    sort = request.args.get("sort", "name")
    if sort not in SORT_COLUMNS:
        return {"error": "bad sort"}, 400
    name = request.args.get("name", "")
    with engine.connect() as conn:
        stmt = text("SELECT * FROM products WHERE name = :name ORDER BY " + sort)
        return {"rows": [dict(r) for r in conn.execute(stmt, {"name": name})]}
