import boto3

s3 = boto3.client(
    "s3",
    aws_access_key_id="AKIAG6ZDMEN4KHVDQ2WR",  # expect: python/hardcoded-credentials
    aws_secret_access_key="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",  # expect: python/hardcoded-credentials
)


def handler(event, context):
    return s3.list_buckets()
