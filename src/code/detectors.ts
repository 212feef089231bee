/**
 * The detector catalogue: what each detector reports, with CWE, severity, description,
 * remediation and tags. Detector ids are `<language family>/<key>` as in the CodeGuru detector
 * library that Inspector's code scanning uses ("python/sql-injection").
 */
import type { Severity } from "../scoring/cvss.js";
import type { LanguageFamily } from "./parse.js";
import { CMD, CODE, DESER, PATH, SQL, SSRF } from "./values.js";

export interface Detector {
  key: string;
  name: string;
  cwes: string[];
  severity: Severity;
  description: string;
  remediation: string;
  tags: string[];
  references: string[];
  /** For injection detectors: the sink kind that taint must reach. */
  kind?: number;
  /** Languages the detector applies to. */
  families: LanguageFamily[];
}

const ALL: LanguageFamily[] = ["python", "javascript", "typescript"];
const cwe = (n: number) => `https://cwe.mitre.org/data/definitions/${n}.html`;
const OWASP = "https://cheatsheetseries.owasp.org/cheatsheets";

export const DETECTORS: Detector[] = [
  {
    key: "sql-injection",
    name: "SQL injection",
    cwes: ["CWE-89"],
    severity: "HIGH",
    kind: SQL,
    description:
      "User-provided input is used to build a SQL query string. An attacker can change the query's meaning: read or modify data they should not reach, or bypass authentication.",
    remediation:
      "Pass user input as query parameters (placeholders with a separate parameter list) instead of building the SQL text with concatenation, formatting or templates.",
    tags: ["injection", "sql", "owasp-top10", "cwe-top25"],
    references: [cwe(89), `${OWASP}/SQL_Injection_Prevention_Cheat_Sheet.html`],
    families: ALL,
  },
  {
    key: "os-command-injection",
    name: "OS command injection",
    cwes: ["CWE-77", "CWE-78", "CWE-88"],
    severity: "CRITICAL",
    kind: CMD,
    description:
      "User-provided input reaches an operating system command that runs through a shell or names the program to run. An attacker can run arbitrary commands with the function's permissions.",
    remediation:
      "Run programs with an argument list and without a shell (subprocess.run([...]) / execFile / spawn without shell: true), keep the program name constant, and quote (shlex.quote) or validate anything that must reach a shell.",
    tags: ["injection", "subprocess", "owasp-top10", "cwe-top25"],
    references: [cwe(78), `${OWASP}/OS_Command_Injection_Defense_Cheat_Sheet.html`],
    families: ALL,
  },
  {
    key: "path-traversal",
    name: "Path traversal",
    cwes: ["CWE-22"],
    severity: "HIGH",
    kind: PATH,
    description:
      "User-provided input is used as or in a file system path. With '../' sequences or absolute paths an attacker can read, overwrite or delete files outside the intended directory.",
    remediation:
      "Reduce the input to a file name (os.path.basename / path.basename, secure_filename), or resolve the full path (realpath / path.resolve) and check that it stays inside the base directory before using it.",
    tags: ["injection", "path-traversal", "owasp-top10", "cwe-top25"],
    references: [cwe(22), "https://owasp.org/www-community/attacks/Path_Traversal"],
    families: ALL,
  },
  {
    key: "server-side-request-forgery",
    name: "Server-side request forgery",
    cwes: ["CWE-918"],
    severity: "HIGH",
    kind: SSRF,
    description:
      "User-provided input decides the address of an outgoing HTTP request. An attacker can make the function call internal services, the instance metadata endpoint or arbitrary hosts with its network position and credentials.",
    remediation:
      "Do not let input choose the scheme or host: keep the base URL constant and put input only in the path or query (encoded), or check the host against an allow-list before sending the request.",
    tags: ["injection", "ssrf", "owasp-top10", "cwe-top25"],
    references: [cwe(918), `${OWASP}/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html`],
    families: ALL,
  },
  {
    key: "code-injection",
    name: "Code injection",
    cwes: ["CWE-94", "CWE-95"],
    severity: "CRITICAL",
    kind: CODE,
    description:
      "User-provided input is evaluated as code (eval, exec, Function, vm, setTimeout with a string). An attacker can run arbitrary code inside the function.",
    remediation:
      "Never evaluate input as code. Parse data with a data parser (json.loads / JSON.parse, ast.literal_eval) and dispatch to a fixed set of operations.",
    tags: ["injection", "code-injection", "owasp-top10", "cwe-top25"],
    references: [cwe(94), "https://owasp.org/www-community/attacks/Code_Injection"],
    families: ALL,
  },
  {
    key: "unsafe-deserialization",
    name: "Unsafe deserialization",
    cwes: ["CWE-502"],
    severity: "HIGH",
    kind: DESER,
    description:
      "Data is deserialised with a format that can construct arbitrary objects or run code (pickle, marshal, jsonpickle, yaml.load with an unsafe loader, node-serialize). Deserialising untrusted data this way lets an attacker run code.",
    remediation:
      "Use a data-only format (JSON) or a safe loader (yaml.safe_load, yaml.load(..., Loader=yaml.SafeLoader)); never unpickle data an attacker can influence.",
    tags: ["deserialization", "owasp-top10", "cwe-top25"],
    references: [cwe(502), `${OWASP}/Deserialization_Cheat_Sheet.html`],
    families: ALL,
  },
  {
    key: "hardcoded-credentials",
    name: "Hardcoded credentials",
    cwes: ["CWE-798"],
    severity: "CRITICAL",
    description:
      "A credential (an AWS access key, a private key, an API token or a password) is written into the source code. Anyone with the code or the deployment package can use it, and it cannot be rotated without a code change.",
    remediation:
      "Remove the credential from the code, rotate it, and read it at run time from AWS Secrets Manager, Parameter Store or the function's environment; use the execution role instead of access keys for AWS calls.",
    tags: ["secrets", "credentials", "owasp-top10", "cwe-top25"],
    references: [cwe(798), "https://docs.aws.amazon.com/secretsmanager/latest/userguide/intro.html"],
    families: ALL,
  },
  {
    key: "weak-password-hash",
    name: "Weak hashing of passwords",
    cwes: ["CWE-327", "CWE-328", "CWE-916"],
    severity: "MEDIUM",
    description:
      "A password is hashed with MD5 or SHA-1. These are fast, broken hash functions: stored hashes can be reversed by brute force or lookup tables.",
    remediation:
      "Hash passwords with a slow, salted password hashing function: bcrypt, scrypt, Argon2 or PBKDF2 (hashlib.pbkdf2_hmac / crypto.scrypt) with a per-password salt.",
    tags: ["cryptography", "hashing", "owasp-top10"],
    references: [cwe(916), `${OWASP}/Password_Storage_Cheat_Sheet.html`],
    families: ALL,
  },
  {
    key: "insecure-randomness",
    name: "Insecure randomness for secrets",
    cwes: ["CWE-330", "CWE-338"],
    severity: "MEDIUM",
    description:
      "A token, password, key, nonce or one-time code is generated with a non-cryptographic random number generator (Math.random, the random module). Its output is predictable.",
    remediation:
      "Generate secrets with a cryptographically secure generator: the secrets module (secrets.token_urlsafe, secrets.choice) in Python, crypto.randomBytes / crypto.randomUUID / crypto.getRandomValues in JavaScript.",
    tags: ["cryptography", "randomness", "owasp-top10"],
    references: [cwe(338), `${OWASP}/Cryptographic_Storage_Cheat_Sheet.html`],
    families: ALL,
  },
  {
    key: "tls-verification-disabled",
    name: "TLS certificate verification disabled",
    cwes: ["CWE-295"],
    severity: "HIGH",
    description:
      "Certificate verification is turned off for TLS connections (verify=False, an unverified SSL context, rejectUnauthorized: false, NODE_TLS_REJECT_UNAUTHORIZED=0). Anyone on the network path can intercept and alter the traffic.",
    remediation:
      "Keep certificate verification on. For a private certificate authority, pass its bundle (verify='/path/ca.pem', ca: fs.readFileSync(...), NODE_EXTRA_CA_CERTS) instead of disabling verification.",
    tags: ["cryptography", "tls", "owasp-top10"],
    references: [cwe(295), `${OWASP}/Transport_Layer_Security_Cheat_Sheet.html`],
    families: ALL,
  },
];

export const DETECTOR_BY_KEY = new Map(DETECTORS.map((d) => [d.key, d]));

/** `python/sql-injection` */
export const detectorId = (family: LanguageFamily, key: string) => `${family}/${key}`;

/** Rule id reported with a finding (one rule per detector and language, versioned). */
export const ruleIdOf = (family: LanguageFamily, key: string) => `${family}/${key}@v1.0`;

/** Every detector id for every language it applies to. */
export function allDetectorIds(): string[] {
  return DETECTORS.flatMap((d) => d.families.map((f) => detectorId(f, d.key)));
}
