/**
 * Running processes and the kernel, read from procfs. Every function takes the procfs mount point so
 * tests can point it at a fixture directory.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";

export interface ProcessInfo {
  pid: number;
  /** The command name (`Name:` of /proc/<pid>/status, at most 15 bytes as the kernel keeps it). */
  name: string;
  /** The executable (/proc/<pid>/exe), absent for kernel threads or when access is denied. */
  exe?: string;
  cmdline: string[];
  /** Real user id. */
  uid?: number;
  /**
   * Absolute paths of mapped files (shared libraries, the executable) from /proc/<pid>/maps, in first
   * mapping order, deduplicated, " (deleted)" suffix removed.
   */
  mapped: string[];
}

/** Paths a process can map that are not files on a disk (memfd, SysV shared memory, anonymous shmem). */
const PSEUDO_PATH = /^\/(?:memfd:|SYSV[0-9a-f]{8}$|dev\/zero$|anon_hugepage$)/;
const DELETED = " (deleted)";

/**
 * procfs is served from kernel memory, so plain synchronous reads are several times cheaper in CPU than
 * libuv's thread pool round trips. Loops over processes call this every few dozen items so a big host
 * never blocks the event loop for long.
 */
export const YIELD_EVERY = 64;
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Numeric entries of the procfs root, ascending. */
export function listPids(proc: string): number[] {
  let names: string[];
  try {
    names = readdirSync(proc);
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const n of names) if (/^[1-9][0-9]*$/.test(n)) pids.push(Number(n));
  return pids.sort((a, b) => a - b);
}

function stripDeleted(path: string): string {
  return path.endsWith(DELETED) ? path.slice(0, -DELETED.length) : path;
}

/**
 * The mapped file paths of a /proc/<pid>/maps text. Lines that do not look like
 * `start-end perms offset dev inode [path]` are ignored, so garbage yields an empty list.
 */
export function parseMaps(text: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let last = "";
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = text.length;
    const slash = text.indexOf("/", pos);
    // Only lines with a path are of interest; the path is the first "/" on the line (the five fields
    // before it never contain one).
    if (slash >= 0 && slash < end) {
      const line = text.slice(pos, end);
      const m = /^[0-9a-f]+-[0-9a-f]+ [-rwxps]{4} [0-9a-f]+ [0-9a-f]+:[0-9a-f]+ [0-9]+ +(\/.*)$/.exec(line);
      if (m) {
        const path = stripDeleted(m[1]!);
        if (path !== last && !PSEUDO_PATH.test(path) && !seen.has(path)) {
          seen.add(path);
          out.push(path);
        }
        last = path;
      }
    }
    pos = end + 1;
  }
  return out;
}

const STATUS_NAME = /^Name:\t?(.*)$/m;
const STATUS_UID = /^Uid:\s*(\d+)/m;

function optional<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** One process, or undefined when it vanished (or its status cannot be read at all). */
function readProcess(proc: string, pid: number): ProcessInfo | undefined {
  const dir = join(proc, String(pid));
  // status and cmdline are readable by anyone for a live process (empty for kernel threads and
  // zombies); failing to read them means the process is gone. exe and maps need ptrace access: when
  // it is denied (another user's process without root, a hardened init) those fields are left out.
  const status = optional(() => readFileSync(join(dir, "status"), "utf8"));
  const cmdline = optional(() => readFileSync(join(dir, "cmdline")));
  if (status === undefined || cmdline === undefined) return undefined;
  const exe = optional(() => readlinkSync(join(dir, "exe")));
  const maps = optional(() => readFileSync(join(dir, "maps"), "utf8"));
  const info: ProcessInfo = {
    pid,
    name: STATUS_NAME.exec(status)?.[1] ?? "",
    cmdline: splitCmdline(cmdline),
    mapped: maps === undefined ? [] : parseMaps(maps),
  };
  if (exe?.startsWith("/")) info.exe = stripDeleted(exe);
  const uid = STATUS_UID.exec(status);
  if (uid) info.uid = Number(uid[1]);
  return info;
}

function splitCmdline(buf: Buffer): string[] {
  if (buf.length === 0) return [];
  const parts = buf.toString("utf8").split("\0");
  if (parts.at(-1) === "") parts.pop();
  return parts;
}

/**
 * Reads every numeric /proc/<pid> (lowest pids first, at most `maxProcesses`); processes that vanish
 * mid-read are skipped, never thrown. Fields that need more privileges than we have (exe, mapped files)
 * are left out rather than dropping the process.
 */
export async function listProcesses(
  proc = "/proc",
  options: { maxProcesses?: number } = {},
): Promise<ProcessInfo[]> {
  const pids = listPids(proc).slice(0, options.maxProcesses ?? 10_000);
  const out: ProcessInfo[] = [];
  for (let i = 0; i < pids.length; i++) {
    if (i > 0 && i % YIELD_EVERY === 0) await yieldToEventLoop();
    const info = readProcess(proc, pids[i]!);
    if (info) out.push(info);
  }
  return out;
}

function readTrimmed(path: string): string | undefined {
  try {
    const text = readFileSync(path, "utf8").trim();
    return text === "" ? undefined : text;
  } catch {
    return undefined;
  }
}

/** The running kernel: /proc/sys/kernel/osrelease (as `uname -r`) and the /proc/version banner. */
export function kernelInfo(proc = "/proc"): { release?: string; version?: string } {
  const out: { release?: string; version?: string } = {};
  const release = readTrimmed(join(proc, "sys/kernel/osrelease"));
  const version = readTrimmed(join(proc, "version"));
  if (release !== undefined) out.release = release;
  if (version !== undefined) out.version = version;
  return out;
}
