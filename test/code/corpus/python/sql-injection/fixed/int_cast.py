import sqlite3


def handler(event, context):
    limit = int(event["limit"])
    page = int(event.get("page", 1))
    db = sqlite3.connect("app.db")
    return db.execute(f"SELECT * FROM items LIMIT {limit} OFFSET {(page - 1) * limit}").fetchall()
