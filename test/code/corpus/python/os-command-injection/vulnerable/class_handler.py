import json
import os


class Job:
    def __init__(self, event):
        self.event = event

    def run(self):
        message = json.loads(self.event["body"])["message"].strip()
        return os.system("logger " + message)  # expect: python/os-command-injection


def lambda_handler(event, context):
    return Job(event).run()
