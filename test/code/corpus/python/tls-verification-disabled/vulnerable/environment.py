import os

import boto3

os.environ["PYTHONHTTPSVERIFY"] = "0"  # expect: python/tls-verification-disabled
s3 = boto3.client("s3", verify=False)  # expect: python/tls-verification-disabled
