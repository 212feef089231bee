PASSWORD_FIELD = "password"
password_prompt = "Enter your password: "
SECRET_NAME = "prod/db/credentials"
token_url = "https://auth.example.com/oauth2/token"
TOKEN_TYPE = "Bearer"
cache_key = "user-profile-v2"
AUTH_HEADER = "Authorization"
ACCESS_KEY = "AWSAccessKeyId"
api_key_env = "API_KEY"
secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db"


def validate(password):
    if password == "":
        return False
    return len(password) >= 12
