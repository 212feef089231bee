/**
 * Suggested fixes per detector and language (BatchGetCodeSnippet's `suggestedFixes`): what to
 * change, and the safe form of the code as an example to adapt. inspector2 allows up to five
 * fixes a finding, descriptions up to 1,000 characters and code up to 2,500.
 */
import type { LanguageFamily } from "./parse.js";

export interface SuggestedFix {
  description: string;
  code: string;
}

type Fixes = { python: SuggestedFix[]; javascript: SuggestedFix[] };

const FIXES: Record<string, Fixes> = {
  "sql-injection": {
    python: [
      {
        description:
          "Use a parameterised query: put placeholders in the SQL text and pass the values separately, so the driver sends them as data that cannot change the query.",
        code: `# psycopg / PyMySQL use %s placeholders, sqlite3 uses ?
cursor.execute("SELECT * FROM users WHERE name = %s", (name,))
rows = cursor.fetchall()`,
      },
    ],
    javascript: [
      {
        description:
          "Use a parameterised query: put placeholders in the SQL text and pass the values as a separate array, so the driver sends them as data that cannot change the query.",
        code: `// node-postgres: $1, $2 … placeholders; mysql2: ? placeholders with connection.execute
const { rows } = await pool.query("SELECT * FROM users WHERE name = $1", [name]);`,
      },
    ],
  },
  "os-command-injection": {
    python: [
      {
        description:
          "Run the program with an argument list and without a shell: each argument reaches the program as one string, and shell syntax in the input has no meaning.",
        code: `import subprocess

# a list, a constant program name, no shell=True; "--" ends the options
subprocess.run(["ls", "-l", "--", path], check=True, capture_output=True)`,
      },
      {
        description: "When a shell cannot be avoided, quote every value that comes from input.",
        code: `import shlex
import subprocess

subprocess.run("ls -l -- " + shlex.quote(path), shell=True, check=True)`,
      },
    ],
    javascript: [
      {
        description:
          "Use execFile (or spawn without shell: true) with an argument list: the program name stays constant and the input reaches it as one argument, never through a shell.",
        code: `const { execFile } = require("node:child_process");

// "--" ends the options, so input starting with "-" is not read as one
execFile("ls", ["-l", "--", dir], (err, stdout) => {
  if (err) throw err;
  console.log(stdout);
});`,
      },
    ],
  },
  "path-traversal": {
    python: [
      {
        description:
          "Resolve the full path and check that it stays inside the base directory before opening it (or reduce the input to a bare file name with os.path.basename).",
        code: `import os

BASE = os.path.realpath("/var/data")
path = os.path.realpath(os.path.join(BASE, name))
if os.path.commonpath([BASE, path]) != BASE:
    raise ValueError("path escapes the base directory")
with open(path, "rb") as f:
    data = f.read()`,
      },
    ],
    javascript: [
      {
        description:
          "Resolve the full path with path.resolve and check that it starts with the base directory before using it (or reduce the input to a bare file name with path.basename).",
        code: `const path = require("node:path");
const fs = require("node:fs/promises");

const BASE = path.resolve("/var/data");
const full = path.resolve(BASE, name);
if (!full.startsWith(BASE + path.sep)) throw new Error("path escapes the base directory");
const data = await fs.readFile(full);`,
      },
    ],
  },
  "server-side-request-forgery": {
    python: [
      {
        description:
          "Do not let input choose where the request goes: check scheme and host against an allow-list (or keep the base URL constant and put input only in an encoded path or query), and do not follow redirects.",
        code: `from urllib.parse import urlparse

import requests

ALLOWED_HOSTS = {"api.example.com"}
url = urlparse(target)
if url.scheme != "https" or url.hostname not in ALLOWED_HOSTS:
    raise ValueError("destination not allowed")
resp = requests.get(url.geturl(), timeout=10, allow_redirects=False)`,
      },
    ],
    javascript: [
      {
        description:
          "Do not let input choose where the request goes: check protocol and host against an allow-list (or keep the base URL constant and put input only in an encoded path or query), and refuse redirects.",
        code: `const ALLOWED_HOSTS = new Set(["api.example.com"]);

const url = new URL(target);
if (url.protocol !== "https:" || !ALLOWED_HOSTS.has(url.hostname)) {
  throw new Error("destination not allowed");
}
const res = await fetch(url, { redirect: "error" });`,
      },
    ],
  },
  "code-injection": {
    python: [
      {
        description:
          "Never evaluate input as code: parse data with a data parser (json.loads, or ast.literal_eval for Python literals) and dispatch names to a fixed table of operations.",
        code: `import ast
import operator

value = ast.literal_eval(text)  # literals only: numbers, strings, lists, dicts …

OPERATIONS = {"add": operator.add, "sub": operator.sub}
op = OPERATIONS.get(name)
if op is None:
    raise ValueError("unknown operation")
result = op(a, b)`,
      },
    ],
    javascript: [
      {
        description:
          "Never evaluate input as code (eval, new Function, vm, setTimeout with a string): parse data with JSON.parse and dispatch names to a fixed table of operations.",
        code: `const value = JSON.parse(text);

const OPERATIONS = { add: (a, b) => a + b, sub: (a, b) => a - b };
if (!Object.hasOwn(OPERATIONS, name)) throw new Error("unknown operation");
const result = OPERATIONS[name](a, b);`,
      },
    ],
  },
  "unsafe-deserialization": {
    python: [
      {
        description:
          "Load YAML with the safe loader, which builds only plain data (dicts, lists, strings, numbers) and never Python objects.",
        code: `import yaml

data = yaml.safe_load(body)  # or yaml.load(body, Loader=yaml.SafeLoader)`,
      },
      {
        description:
          "Exchange data as JSON instead of pickle or marshal: unpickling runs code chosen by whoever wrote the bytes.",
        code: `import json

data = json.loads(body)`,
      },
    ],
    javascript: [
      {
        description:
          "Exchange data as JSON and parse it with JSON.parse, which builds only plain data; never deserialise untrusted input with node-serialize or similar libraries that revive functions.",
        code: `const data = JSON.parse(body);`,
      },
    ],
  },
  "hardcoded-credentials": {
    python: [
      {
        description:
          "Remove the credential from the code and rotate it; read it at run time from AWS Secrets Manager (the function's execution role grants access), naming the secret in an environment variable.",
        code: `import json
import os

import boto3

secrets = boto3.client("secretsmanager")
secret = json.loads(
    secrets.get_secret_value(SecretId=os.environ["DB_SECRET_ARN"])["SecretString"]
)
password = secret["password"]`,
      },
    ],
    javascript: [
      {
        description:
          "Remove the credential from the code and rotate it; read it at run time from AWS Secrets Manager (the function's execution role grants access), naming the secret in an environment variable.",
        code: `const { SecretsManagerClient, GetSecretValueCommand } = require("@aws-sdk/client-secrets-manager");

const secrets = new SecretsManagerClient({});
const { SecretString } = await secrets.send(
  new GetSecretValueCommand({ SecretId: process.env.DB_SECRET_ARN }),
);
const { password } = JSON.parse(SecretString);`,
      },
    ],
  },
  "weak-password-hash": {
    python: [
      {
        description:
          "Hash passwords with a slow, salted password hash such as bcrypt (or argon2-cffi's PasswordHasher), and verify with its own check function.",
        code: `import bcrypt

hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt())
# later
ok = bcrypt.checkpw(attempt.encode(), hashed)`,
      },
      {
        description:
          "Without a third-party package: scrypt from the standard library with a random salt per password.",
        code: `import hashlib
import hmac
import os

salt = os.urandom(16)
digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
# store salt and digest; later
ok = hmac.compare_digest(hashlib.scrypt(attempt.encode(), salt=salt, n=2**14, r=8, p=1), digest)`,
      },
    ],
    javascript: [
      {
        description:
          "Hash passwords with scrypt (built into node:crypto) and a random salt per password, or with bcrypt / argon2 packages; compare in constant time.",
        code: `const crypto = require("node:crypto");

const salt = crypto.randomBytes(16);
const hash = crypto.scryptSync(password, salt, 64);
// store salt and hash; later
const ok = crypto.timingSafeEqual(crypto.scryptSync(attempt, salt, 64), hash);`,
      },
    ],
  },
  "insecure-randomness": {
    python: [
      {
        description:
          "Generate tokens, passwords and keys with the secrets module, which draws from the operating system's cryptographic generator.",
        code: `import secrets

token = secrets.token_urlsafe(32)
code = "".join(secrets.choice("0123456789") for _ in range(6))`,
      },
    ],
    javascript: [
      {
        description:
          "Generate tokens, passwords and keys with node:crypto (randomBytes, randomInt, randomUUID) instead of Math.random.",
        code: `const crypto = require("node:crypto");

const token = crypto.randomBytes(32).toString("base64url");
const code = String(crypto.randomInt(0, 1_000_000)).padStart(6, "0");`,
      },
    ],
  },
  "tls-verification-disabled": {
    python: [
      {
        description:
          "Keep certificate verification on (verify=True is the default); for a private certificate authority pass its bundle instead of turning verification off.",
        code: `import requests

resp = requests.get(url, timeout=10)  # verify=True
# a private CA:
resp = requests.get(url, timeout=10, verify="/opt/ca/internal-ca.pem")`,
      },
    ],
    javascript: [
      {
        description:
          "Keep rejectUnauthorized true (the default) and never set NODE_TLS_REJECT_UNAUTHORIZED=0; for a private certificate authority pass its certificate as ca (or set NODE_EXTRA_CA_CERTS).",
        code: `const https = require("node:https");
const fs = require("node:fs");

const agent = new https.Agent({
  rejectUnauthorized: true,
  ca: fs.readFileSync("/opt/ca/internal-ca.pem"),
});
https.get(url, { agent }, (res) => res.pipe(process.stdout));`,
      },
    ],
  },
};

/** The suggested fixes for a detector id ("python/sql-injection"); none for an unknown one. */
export function suggestedFixesOf(detectorId: string): SuggestedFix[] {
  const slash = detectorId.indexOf("/");
  const family = detectorId.slice(0, slash) as LanguageFamily;
  const fixes = FIXES[detectorId.slice(slash + 1)];
  if (!fixes) return [];
  return (
    family === "python"
      ? fixes.python
      : family === "javascript" || family === "typescript"
        ? fixes.javascript
        : []
  ).slice(0, 5);
}

/** Detector keys with suggested fixes (every detector in the catalogue should have them). */
export const DETECTORS_WITH_FIXES: readonly string[] = Object.keys(FIXES);
