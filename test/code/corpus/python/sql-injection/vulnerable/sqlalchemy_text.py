from sqlalchemy import create_engine, text

engine = create_engine("postgresql://app@db.internal/app")


def handler(event, context):
    body = event.get("body") or {}
    sort = body.get("sort", "name")
    with engine.connect() as connection:
        result = connection.execute(text("SELECT * FROM users ORDER BY " + sort))  # expect: python/sql-injection
        return [dict(row) for row in result]
