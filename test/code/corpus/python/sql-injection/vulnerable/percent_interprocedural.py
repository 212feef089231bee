import psycopg2


def build_query(table, name):
    return "SELECT * FROM %s WHERE name = '%s'" % (table, name)


def run(cursor, sql):
    cursor.execute(sql)  # expect: python/sql-injection
    return cursor.fetchall()


def handler(event, context):
    conn = psycopg2.connect("dbname=app")
    cur = conn.cursor()
    q = build_query("users", event["name"])
    return run(cur, q)
