AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
password = "changeme"
api_key = "<your-api-key>"
token = "xxxxxxxxxxxxxxxxxxxxxxxx"
secret = ""
DATABASE_URL = "postgresql://user:password@localhost:5432/app"
TEMPLATE_URL = "mysql://{user}:{password}@{host}/db"
EXAMPLE_KEY = """-----BEGIN RSA PRIVATE KEY-----
...
-----END RSA PRIVATE KEY-----"""
