import pymysql

conn = pymysql.connect(host="db.internal", user="app", database="shop")


def handler(event, context):
    name = conn.escape(event["name"])
    with conn.cursor() as cur:
        cur.execute("SELECT * FROM users WHERE name = " + name)
        return cur.fetchall()
