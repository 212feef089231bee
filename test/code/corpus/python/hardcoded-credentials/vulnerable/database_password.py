import psycopg2

DB_PASSWORD = "s3cr3t-Pr0d-2024!"  # expect: python/hardcoded-credentials
DATABASE_URL = "postgresql://admin:Wq7x9Lmp2Z@db.internal:5432/app"  # expect: python/hardcoded-credentials


def connect():
    return psycopg2.connect(host="db.internal", user="admin", password="Xk9#mP2$vL")  # expect: python/hardcoded-credentials
