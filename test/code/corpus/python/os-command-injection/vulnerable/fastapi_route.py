import subprocess

from fastapi import FastAPI

app = FastAPI()


@app.get("/lookup/{domain}")
def lookup(domain: str):
    result = subprocess.run("nslookup " + domain, shell=True, capture_output=True)  # expect: python/os-command-injection
    return {"output": result.stdout.decode()}
