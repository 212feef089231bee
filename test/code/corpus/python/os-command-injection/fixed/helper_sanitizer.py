import logging
import os
import shlex

logger = logging.getLogger(__name__)


def clean(value):
    return shlex.quote(value)


def handler(event, context):
    logger.info("running for %s", event)
    os.system("ls " + clean(event["dir"]))
    if event["action"] == "restart":
        os.system("systemctl restart app")
    n = event["n"]
    if not n.isdigit():
        return {"statusCode": 400}
    os.system("sleep " + n)
