import pymysql

conn = pymysql.connect(host="db.internal", user="app", database="shop")


def lambda_handler(event, context):
    user_id = event["queryStringParameters"]["id"]
    rows = event.get("rows", [])
    with conn.cursor() as cur:
        cur.execute("SELECT * FROM orders WHERE user_id = %s", (user_id,))
        cur.executemany("INSERT INTO audit (user_id, action) VALUES (%s, %s)", rows)
        query = "SELECT * FROM users WHERE id = %(id)s"
        cur.execute(query, {"id": user_id})
        return cur.fetchall()
