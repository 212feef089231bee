import pymysql

conn = pymysql.connect(host="db.internal", user="app", database="shop")


def lambda_handler(event, context):
    user_id = event["queryStringParameters"]["id"]
    with conn.cursor() as cur:
        cur.execute(f"SELECT * FROM orders WHERE user_id = '{user_id}'")  # expect: python/sql-injection
        return cur.fetchall()
