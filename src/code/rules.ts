/**
 * What the engine knows about library calls: injection sinks per sink kind, sanitisers and other
 * calls with known results, request objects' input-carrying members, and the interface of the
 * pattern detectors (patterns.ts). Paths are the symbolic module paths the engine resolves
 * through imports and aliases ("subprocess.run", "child_process.exec", "requests.Session().get").
 */
import type { Expr, Loc, Pattern } from "./ir.js";
import { nameWords } from "./ir.js";
import type { LanguageFamily } from "./parse.js";
import { CLEAN, CMD, CODE, DESER, derive, PATH, SQL, SSRF, sanitize, type Value } from "./values.js";

export interface CallSite {
  family: LanguageFamily;
  /** Resolved symbolic path of the callee. */
  path?: string;
  /** Last name of the callee (`execute` of `cursor.execute`). */
  method?: string;
  /** Syntactic receiver chain (`self.db`, `knex()`), for method calls. */
  receiverText?: string;
  receiver?: Value;
  args: Value[];
  argExprs: Expr[];
  kwargs: Map<string, Value>;
  isNew: boolean;
  tagged: boolean;
  loc: Loc;
  /** The name the call's value is being assigned to, if any. */
  assignName?: string;
}

export interface HookContext {
  family: LanguageFamily;
  /** `generic`: judged by names and shapes, not a definite format (not reported in test files). */
  report(key: string, loc: Loc, message: string, options?: { generic?: boolean }): void;
  /** Name of the function being analysed. */
  fnName?: string;
}

/** Pattern detectors: called by the engine as it meets constructs. */
export interface Hooks {
  onCall?(ctx: HookContext, call: CallSite): void;
  /** A value bound to a name: variable, attribute, constant key, keyword argument, parameter default. */
  onAssign?(ctx: HookContext, name: string, value: Value, valueExpr: Expr, loc: Loc, target?: Pattern): void;
  onReturn?(ctx: HookContext, fnName: string, value: Value, loc: Loc): void;
  onCompare?(ctx: HookContext, e: Extract<Expr, { k: "compare" }>, left: Value, right: Value): void;
  /** A module member read (`ssl._create_unverified_context`). */
  onRef?(ctx: HookContext, ref: string, loc: Loc): void;
  /** The value of a call the detectors track (a weak hash object, a random number), if any. */
  resultOf?(call: CallSite): Value | undefined;
}

const PASSWORD_WORDS = new Set(["password", "passwd", "pwd", "passphrase", "pass", "passcode", "passw"]);

const passwordNames = new Map<string, boolean>();

/** Whether an identifier names a password (`password`, `userPwd`, `db_passwd`). */
export function isPasswordName(name: string): boolean {
  if (name.length > 64) return false;
  let r = passwordNames.get(name);
  if (r === undefined) {
    r = nameWords(name).some((w) => PASSWORD_WORDS.has(w)) || /passw(or)?d/i.test(name);
    if (passwordNames.size > 50_000) passwordNames.clear();
    passwordNames.set(name, r);
  }
  return r;
}

const regexCache = new WeakMap<RegExp, Map<string, boolean>>();

/** `re.test(s)` remembered per string: call paths repeat a lot within a scan. */
export function cachedTest(re: RegExp, s: string): boolean {
  let m = regexCache.get(re);
  if (!m) {
    m = new Map();
    regexCache.set(re, m);
  }
  let r = m.get(s);
  if (r === undefined) {
    r = re.test(s);
    if (m.size > 20_000) m.clear();
    m.set(s, r);
  }
  return r;
}

// ------------------------------------------------------------------ request objects

const PY_REQUEST_INPUT = new Set([
  "args",
  "form",
  "values",
  "json",
  "data",
  "files",
  "cookies",
  "headers",
  "get_json",
  "get_data",
  "view_args",
  "stream",
  "query_string",
  "path",
  "full_path",
  "url",
  "base_url",
  "GET",
  "POST",
  "body",
  "META",
  "COOKIES",
  "FILES",
  "query_params",
  "path_params",
  "form_data",
  "input",
]);

const JS_REQUEST_INPUT = new Set([
  "query",
  "body",
  "params",
  "headers",
  "cookies",
  "signedCookies",
  "url",
  "originalUrl",
  "path",
  "get",
  "header",
  "param",
  "files",
  "file",
  "rawBody",
  "payload",
  "queryStringParameters",
  "pathParameters",
]);

/** What a member of a request object is: input ("tainted"), another request object, or neither. */
export function requestMember(family: LanguageFamily, name: string): "tainted" | "request" | undefined {
  if (name === "request" || name === "req" || name === "raw") return "request";
  if (family === "python") return PY_REQUEST_INPUT.has(name) ? "tainted" : undefined;
  return JS_REQUEST_INPUT.has(name) ? "tainted" : undefined;
}

// ------------------------------------------------------------------ known call results

const CLEAN_FUNCTIONS = new Set([
  "int",
  "float",
  "bool",
  "len",
  "abs",
  "round",
  "hash",
  "ord",
  "id",
  "isinstance",
  "hasattr",
  "callable",
  "parseInt",
  "parseFloat",
  "Number",
  "Boolean",
  "Number.parseInt",
  "Number.parseFloat",
  "Math.floor",
  "Math.round",
  "Math.ceil",
  "Math.abs",
  "Math.min",
  "Math.max",
  "uuid.UUID",
  "uuid.uuid4",
  "decimal.Decimal",
  "datetime.date.fromisoformat",
  "datetime.datetime.fromisoformat",
  "ipaddress.ip_address",
  "Date.parse",
  "BigInt",
  "crypto.randomUUID",
  "secrets.token_hex",
  "secrets.token_urlsafe",
]);

/** Methods whose result is a boolean, a number or a digest: never injectable. */
const CLEAN_METHODS = new Set([
  "startswith",
  "endswith",
  "startsWith",
  "endsWith",
  "includes",
  "indexOf",
  "lastIndexOf",
  "find",
  "rfind",
  "count",
  "test",
  "isdigit",
  "isalnum",
  "isalpha",
  "isnumeric",
  "isdecimal",
  "has",
  "hexdigest",
  "digest",
  "localeCompare",
  "charCodeAt",
  "codePointAt",
  "getTime",
  "toFixed",
  "exists",
  "is_file",
  "is_dir",
  "isFile",
  "isDirectory",
  "existsSync",
]);

const CMD_SANITIZERS =
  /^(shlex\.quote|pipes\.quote|shellescape|shell-quote\.quote|shell_escape|quote_shell)$/;
const PATH_SANITIZERS =
  /^(os\.path\.basename|posixpath\.basename|ntpath\.basename|path\.basename|path\.posix\.basename|werkzeug\.utils\.secure_filename|werkzeug\.secure_filename|secure_filename|sanitize-filename|sanitize_filename)$/;
const URL_ENCODERS =
  /^(encodeURIComponent|urllib\.parse\.quote|urllib\.parse\.quote_plus|urllib\.quote|querystring\.escape)$/;
const SQL_ESCAPES =
  /^(escape|escape_string|escapeId|escapeLiteral|escapeIdentifier|quote_ident|escape_literal|literal|quote_literal)$/;
const NORMALIZERS =
  /^(os\.path\.(normpath|abspath|realpath)|path\.(normalize|resolve|join)|path\.posix\.(normalize|resolve|join)|fs\.realpathSync|fs\.promises\.realpath)$/;

/** Result of a call the engine should not treat as unknown, or undefined. */
export function semantics(call: CallSite): Value | undefined {
  const path = call.path ?? "";
  const m = call.method ?? "";
  const all = [...call.args, ...call.kwargs.values()];
  if (CLEAN_FUNCTIONS.has(path) || (call.receiver && CLEAN_METHODS.has(m))) {
    // numbers and booleans carry no input, but a number made from random() is still predictable
    const rand = [call.receiver, ...all].find((v) => v?.rand)?.rand;
    return rand ? { rand } : CLEAN;
  }
  if (cachedTest(CMD_SANITIZERS, path)) return sanitize(derive(...all), CMD);
  if (cachedTest(PATH_SANITIZERS, path)) return sanitize(derive(...all), PATH);
  if (cachedTest(URL_ENCODERS, path)) return sanitize(derive(...all), SSRF | PATH | CMD);
  if (
    cachedTest(SQL_ESCAPES, m) ||
    /^(html\.escape|markupsafe\.escape|sqlstring\.escape|pymysql\.converters\.escape_string)$/.test(path)
  )
    return sanitize(derive(call.receiver?.ref ? undefined : call.receiver, ...all), SQL);
  if (cachedTest(NORMALIZERS, path)) {
    const out = derive(...all);
    out.normalized = true;
    return out;
  }
  // util.promisify(exec) keeps referring to exec
  if (path === "util.promisify" && call.args[0]) return call.args[0];
  // str.format(...) / "…".join(parts): string building keeps the template's prefix
  if (m === "format" && call.receiver?.str !== undefined) {
    const out = derive(call.receiver, ...all);
    out.prefix = call.receiver.str.split("{")[0]!;
    return out;
  }
  return undefined;
}

// ------------------------------------------------------------------ sinks

export interface Sink {
  key: string;
  kind: number;
  values: Value[];
  /** Human description of the sink for messages ("os.system"). */
  what: string;
}

const truthy = (v: Value | undefined) =>
  v !== undefined &&
  (v.bool === true || (v.str !== undefined && v.str !== "") || (v.num !== undefined && v.num !== 0));

const PY_SHELL_CALLS = new Set([
  "os.system",
  "os.popen",
  "os.popen2",
  "os.popen3",
  "os.popen4",
  "commands.getoutput",
  "commands.getstatusoutput",
  "subprocess.getoutput",
  "subprocess.getstatusoutput",
  "asyncio.create_subprocess_shell",
  "pty.spawn",
]);
const PY_SUBPROCESS =
  /^subprocess\.(run|call|check_call|check_output|Popen)$|^asyncio\.create_subprocess_exec$/;
const PY_SSRF =
  /^(requests|httpx)(\.(Session|Client|AsyncClient)\(\))?\.(get|post|put|patch|delete|head|options|request|stream)$|^(urllib\.request|urllib2|urllib)\.(urlopen|Request|urlretrieve)$|^urllib3\.(PoolManager\(\)\.)?request$|^http\.client\.HTTPS?Connection$|^aiohttp\.ClientSession\(\)\.(get|post|put|patch|delete|head|request)$/;
const PY_PATH =
  /^(open|io\.open|codecs\.open|os\.open|os\.remove|os\.unlink|os\.rmdir|os\.removedirs|os\.listdir|os\.scandir|os\.rename|os\.replace|os\.chmod|shutil\.rmtree|shutil\.copy|shutil\.copyfile|shutil\.copy2|shutil\.move|flask\.send_file|send_file|pathlib\.Path\(\)\.(read_text|read_bytes|write_text|write_bytes|open|unlink|rmdir)|aiofiles\.open|fileinput\.input|tarfile\.open|zipfile\.ZipFile)$/;
const PY_CODE = /^(eval|exec|execfile|compile|builtins\.eval|builtins\.exec)$/;
const PY_DESER =
  /^(pickle|cPickle|_pickle|dill|marshal|shelve|cloudpickle)\.(loads?|open|Unpickler)$|^jsonpickle\.(decode|loads)$|^pandas\.read_pickle$|^joblib\.load$|^torch\.load$/;
const SQL_METHODS = new Set([
  "execute",
  "executemany",
  "executescript",
  "mogrify",
  "raw",
  "query",
  "unsafe",
  "$queryRawUnsafe",
  "$executeRawUnsafe",
  "whereRaw",
  "orWhereRaw",
  "havingRaw",
  "orderByRaw",
  "groupByRaw",
  "joinRaw",
  "selectRaw",
  "fromRaw",
  "extra",
  "read_sql",
  "read_sql_query",
  "exec",
]);
const DB_RECEIVER =
  /(^|[^a-z])(cur|cursor|conn|connection|db|database|session|engine|pool|knex|sequelize|sql|sqlite3?|mysql|pg|psql|postgres|client|prisma|trx|transaction|tx|objects|model|repository|manager|query|connection_pool|redshift|athena|snowflake|cnx|dbconn)\w*(\(\))?$/i;

const JS_EXEC =
  /^child_process\.(exec|execSync)$|^shelljs\.exec$|^execa\.(command|commandSync|execaCommand|execaCommandSync)$/;
const JS_SPAWN =
  /^child_process\.(spawn|spawnSync|execFile|execFileSync|fork)$|^execa(\.execa|\.sync|\.execaSync)?$|^cross-spawn$/;
const JS_PATH_FS =
  /^fs(\.promises|-extra)?\.(readFile|readFileSync|writeFile|writeFileSync|appendFile|appendFileSync|createReadStream|createWriteStream|unlink|unlinkSync|rm|rmSync|rmdir|rmdirSync|readdir|readdirSync|open|openSync|rename|renameSync|copyFile|copyFileSync|truncate|truncateSync|readJson|readJsonSync|outputFile|remove|removeSync)$/;
const JS_SSRF =
  /^(fetch|node-fetch|cross-fetch|isomorphic-fetch|undici\.(fetch|request|stream)|axios|axios\.(get|post|put|patch|delete|head|options|request)|axios\.create\(\)\.(get|post|put|patch|delete|head|request)|got|got\.(get|post|put|patch|delete|head|stream)|needle|needle\.(get|post|request)|request|request\.(get|post|put|patch|del|delete|head)|superagent\.(get|post|put|patch|delete|head)|http\.(get|request)|https\.(get|request)|urllib\.request|phin|bent)$/;
const JS_CODE =
  /^(eval|Function|vm\.(runInContext|runInNewContext|runInThisContext|compileFunction|Script)|setTimeout|setInterval|setImmediate|execScript)$/;
const JS_DESER =
  /^(node-serialize\.unserialize|serialize-to-js\.deserialize|funcster\.deepDeserialize|cryo\.parse)$/;

/** Sinks a call is, with the argument values that must not carry taint of the sink's kind. */
export function sinksOf(call: CallSite): Sink[] {
  return call.family === "python" ? pythonSinks(call) : jsSinks(call);
}

const arg = (call: CallSite, i: number, ...names: string[]): Value | undefined => {
  for (const n of names) if (call.kwargs.has(n)) return call.kwargs.get(n);
  return call.args[i];
};

function pythonSinks(call: CallSite): Sink[] {
  const out: Sink[] = [];
  const path = call.path ?? "";
  const a0 = arg(call, 0, "args", "cmd", "command");
  if (PY_SHELL_CALLS.has(path) && a0)
    out.push({ key: "os-command-injection", kind: CMD, values: [a0], what: path });
  if (/^os\.(exec|spawn)[lvpe]*$/.test(path))
    out.push({ key: "os-command-injection", kind: CMD, values: call.args.slice(0, 2), what: path });
  if (cachedTest(PY_SUBPROCESS, path) && a0) {
    const shell = truthy(call.kwargs.get("shell"));
    if (shell)
      out.push({ key: "os-command-injection", kind: CMD, values: [a0], what: `${path} with shell=True` });
    else if (a0.items) {
      // ["sh", "-c", script]: the script runs in a shell
      const viaShell = isShellInvocation(a0.items);
      if (viaShell)
        out.push({
          key: "os-command-injection",
          kind: CMD,
          values: a0.items.slice(1),
          what: `${path} through a shell`,
        });
      else if (a0.items[0])
        out.push({
          key: "os-command-injection",
          kind: CMD,
          values: [a0.items[0]],
          what: `${path} (program name)`,
        });
    } else if (
      path === "asyncio.create_subprocess_exec" ||
      !call.argExprs[0] ||
      call.argExprs[0].k !== "list"
    )
      out.push({ key: "os-command-injection", kind: CMD, values: [a0], what: path });
  }
  if (cachedTest(PY_CODE, path) && call.args[0])
    out.push({ key: "code-injection", kind: CODE, values: [call.args[0]], what: path });
  if (cachedTest(PY_DESER, path) && call.args[0])
    out.push({ key: "unsafe-deserialization", kind: DESER, values: [call.args[0]], what: path });
  if (cachedTest(PY_PATH, path)) {
    const p = arg(call, 0, "file", "path", "filename", "path_or_file");
    if (p) out.push({ key: "path-traversal", kind: PATH, values: [p], what: path });
  }
  if (cachedTest(PY_SSRF, path)) {
    const u =
      /\.request$/.test(path) && !/^urllib\.request$/.test(path)
        ? arg(call, 1, "url")
        : arg(call, 0, "url", "host");
    if (u) out.push(ssrfSink(u, path));
  }
  if (isSqlCall(call)) {
    const q = arg(call, 0, "sql", "query", "operation", "statement", "where");
    if (q)
      out.push({
        key: "sql-injection",
        kind: SQL,
        values: [q],
        what: `${call.receiverText ?? ""}.${call.method}`,
      });
  } else if (/^(pandas|pd)\.read_sql(_query)?$/.test(path) && call.args[0])
    out.push({ key: "sql-injection", kind: SQL, values: [call.args[0]], what: path });
  return out;
}

function jsSinks(call: CallSite): Sink[] {
  const out: Sink[] = [];
  const path = call.path ?? "";
  const a0 = call.args[0];
  if (cachedTest(JS_EXEC, path) && a0)
    out.push({ key: "os-command-injection", kind: CMD, values: [a0], what: path });
  if (cachedTest(JS_SPAWN, path) && a0) {
    const opts = call.args.find((a, i) => i > 0 && a.props);
    const shell = truthy(opts?.props?.get("shell"));
    const argv = call.args[1];
    if (shell) {
      out.push({
        key: "os-command-injection",
        kind: CMD,
        values: [a0, ...(argv && !argv.props ? [argv] : [])],
        what: `${path} with shell: true`,
      });
    } else if (argv?.items && isShellInvocation([a0, ...argv.items])) {
      out.push({
        key: "os-command-injection",
        kind: CMD,
        values: argv.items,
        what: `${path} through a shell`,
      });
    } else out.push({ key: "os-command-injection", kind: CMD, values: [a0], what: `${path} (program name)` });
  }
  if (cachedTest(JS_CODE, path) && a0 && !a0.fn) {
    out.push({
      key: "code-injection",
      kind: CODE,
      values: path === "Function" ? call.args : [a0],
      what: path,
    });
  }
  if (cachedTest(JS_DESER, path) && a0)
    out.push({ key: "unsafe-deserialization", kind: DESER, values: [a0], what: path });
  if (cachedTest(JS_PATH_FS, path) && a0)
    out.push({ key: "path-traversal", kind: PATH, values: [a0], what: path });
  if (
    (call.method === "sendFile" || call.method === "download" || call.method === "sendfile") &&
    call.receiver &&
    a0
  ) {
    const opts = call.args[1];
    if (!opts?.props?.has("root"))
      out.push({ key: "path-traversal", kind: PATH, values: [a0], what: `res.${call.method}` });
  }
  if (cachedTest(JS_SSRF, path) && a0) {
    if (a0.props) {
      const target =
        a0.props.get("url") ?? a0.props.get("host") ?? a0.props.get("hostname") ?? a0.props.get("baseURL");
      if (target) out.push(ssrfSink(target, path));
    } else out.push(ssrfSink(a0, path));
  }
  if (isSqlCall(call) && a0 && !a0.props)
    out.push({
      key: "sql-injection",
      kind: SQL,
      values: [a0],
      what: `${call.receiverText ?? ""}.${call.method}`,
    });
  else if (isSqlCall(call) && a0?.props?.has("sql"))
    out.push({
      key: "sql-injection",
      kind: SQL,
      values: [a0.props.get("sql")!],
      what: `${call.receiverText ?? ""}.${call.method}`,
    });
  return out;
}

const SHELLS = /^(\/usr)?(\/bin\/)?(sh|bash|dash|zsh|ksh|ash|cmd|cmd\.exe|powershell|pwsh)$/;

/** `sh -c script` as an argument vector. */
function isShellInvocation(argv: Value[]): boolean {
  const prog = argv[0]?.str;
  return (
    prog !== undefined &&
    SHELLS.test(prog) &&
    argv.slice(1).some((a) => a.str === "-c" || a.str === "/c" || a.str === "-Command")
  );
}

/** Input that only fills the path or query after a constant scheme://host/ cannot redirect the request. */
function ssrfSink(u: Value, path: string): Sink {
  const fixedHost = u.prefix !== undefined && /^[a-z][a-z0-9+.-]*:\/\/[^/?#]+[/?#]/i.test(u.prefix);
  return { key: "server-side-request-forgery", kind: SSRF, values: fixedHost ? [] : [u], what: path };
}

function isSqlCall(call: CallSite): boolean {
  const m = call.method;
  if (!m || !SQL_METHODS.has(m) || call.receiver === undefined) return false;
  if (call.path && /^(child_process|re|subprocess|os|shelljs|RegExp)\b/.test(call.path)) return false;
  if (m === "exec" && call.family === "python") return false;
  const q = call.args[0] ?? call.kwargs.get("sql") ?? call.kwargs.get("query");
  if (q?.sqlish) return true;
  return cachedTest(DB_RECEIVER, call.receiverText ?? "");
}

export function safeYamlLoader(call: CallSite): boolean {
  const loader = call.kwargs.get("Loader") ?? call.args[1];
  if (!loader) return false;
  const ref = loader.ref ?? "";
  return /(^|\.)(SafeLoader|CSafeLoader|BaseLoader|CBaseLoader)$/.test(ref);
}
