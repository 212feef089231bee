/**
 * Listening TCP and UDP sockets of the host's network namespace, from /proc/net/{tcp,tcp6,udp,udp6},
 * with the process holding each socket found through the /proc/<pid>/fd/* links.
 */

import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { endianness } from "node:os";
import { join } from "node:path";
import { formatAddress } from "../../network/cidr.js";
import { listPids, YIELD_EVERY, yieldToEventLoop } from "./procfs.js";

export interface ListeningSocket {
  protocol: "tcp" | "udp";
  family: 4 | 6;
  /** The bound address: "0.0.0.0" / "::" for every address, v4-mapped IPv6 as "::ffff:a.b.c.d". */
  address: string;
  port: number;
  /** The socket inode (what /proc/<pid>/fd/* links to as "socket:[inode]"). */
  inode: number;
  /** The process holding the socket: the lowest pid when several share it (a forking server's workers). */
  pid?: number;
  /** Every process holding the socket, ascending (present with `pid`; `pid` is the first). */
  pids?: number[];
  /** That process's command name. */
  process?: string;
}

const TCP_LISTEN = "0A";
const TCP_CLOSE = "07";
/** The kernel prints addresses as 32-bit words in host byte order. */
const LITTLE_ENDIAN = endianness() === "LE";

/** The bytes of a /proc/net hex address (8 or 32 hex digits), or undefined if malformed. */
function addressBytes(hex: string): number[] | undefined {
  if ((hex.length !== 8 && hex.length !== 32) || !/^[0-9A-Fa-f]+$/.test(hex)) return undefined;
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    const word = [0, 2, 4, 6].map((i) => Number.parseInt(hex.slice(w + i, w + i + 2), 16));
    bytes.push(...(LITTLE_ENDIAN ? word.reverse() : word));
  }
  return bytes;
}

/** IPv6 text form per RFC 5952 (lowercase, longest zero run compressed), v4-mapped as ::ffff:a.b.c.d. */
export function formatIPv6(bytes: readonly number[]): string {
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes.slice(12).join(".")}`;
  }
  return formatAddress(
    6,
    bytes.reduce((v, b) => (v << 8n) | BigInt(b), 0n),
  );
}

function formatBytes(bytes: readonly number[]): string {
  return bytes.length === 4 ? bytes.join(".") : formatIPv6(bytes);
}

/**
 * The listening sockets of one /proc/net/{tcp,tcp6,udp,udp6} table: TCP sockets in LISTEN state, and UDP
 * sockets bound but not connected (state 07 with no remote peer). Malformed lines are skipped.
 */
export function parseProcNet(
  text: string,
  protocol: "tcp" | "udp",
  family: 4 | 6,
): Omit<ListeningSocket, "pid" | "pids" | "process">[] {
  const out: Omit<ListeningSocket, "pid" | "pids" | "process">[] = [];
  const hexLength = family === 4 ? 8 : 32;
  for (const line of text.split("\n")) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || !/^\d+:$/.test(f[0]!)) continue;
    const [local, remote, state] = [f[1]!, f[2]!, f[3]!.toUpperCase()];
    if (protocol === "tcp" ? state !== TCP_LISTEN : state !== TCP_CLOSE) continue;
    const [localHex, localPort] = local.split(":");
    const [remoteHex, remotePort] = remote.split(":");
    if (localHex?.length !== hexLength || remoteHex?.length !== hexLength) continue;
    if (protocol === "udp" && (!/^0+$/.test(remoteHex) || !/^0+$/.test(remotePort ?? ""))) continue;
    const bytes = addressBytes(localHex);
    const port = Number.parseInt(localPort ?? "", 16);
    const inode = Number(f[9]);
    if (!bytes || !/^[0-9A-Fa-f]{1,4}$/.test(localPort ?? "") || !Number.isSafeInteger(inode)) continue;
    out.push({ protocol, family, address: formatBytes(bytes), port, inode });
  }
  return out;
}

const TABLES = [
  ["tcp", "tcp", 4],
  ["tcp6", "tcp", 6],
  ["udp", "udp", 4],
  ["udp6", "udp", 6],
] as const;

const SOCKET_LINK = /^socket:\[(\d+)\]$/;

/** For each wanted socket inode, the pids holding it, ascending. Unreadable processes and fds are skipped. */
async function socketOwners(proc: string, wanted: ReadonlySet<number>): Promise<Map<number, number[]>> {
  const owners = new Map<number, number[]>();
  const pids = listPids(proc);
  for (let i = 0; i < pids.length; i++) {
    if (i > 0 && i % YIELD_EVERY === 0) await yieldToEventLoop();
    const pid = pids[i]!;
    const fdDir = join(proc, String(pid), "fd");
    let fds: string[];
    try {
      fds = readdirSync(fdDir);
    } catch {
      continue; // gone, or not ours to look at
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(join(fdDir, fd));
      } catch {
        continue; // closed meanwhile, or not a link
      }
      const m = SOCKET_LINK.exec(target);
      if (!m) continue;
      const inode = Number(m[1]);
      if (!wanted.has(inode)) continue;
      const holders = owners.get(inode);
      if (holders === undefined) owners.set(inode, [pid]);
      else if (holders.at(-1) !== pid) holders.push(pid); // pids ascend; a dup'ed fd counts once
    }
  }
  return owners;
}

function commandName(proc: string, pid: number): string | undefined {
  try {
    return readFileSync(join(proc, String(pid), "comm"), "utf8").replace(/\n$/, "");
  } catch {
    return undefined;
  }
}

/**
 * Listening sockets (TCP LISTEN, unconnected bound UDP) of the namespace `proc` belongs to, IPv4 and
 * IPv6, each with the process holding it when it can be found. Sorted by protocol, family, port, address.
 */
export async function listeningSockets(proc = "/proc"): Promise<ListeningSocket[]> {
  const tables = TABLES.map(([file, protocol, family]) => {
    try {
      return parseProcNet(readFileSync(join(proc, "net", file), "utf8"), protocol, family);
    } catch {
      return []; // no IPv6, or not a Linux procfs
    }
  });
  const sockets: ListeningSocket[] = tables.flat();
  if (sockets.length === 0) return sockets;
  const owners = await socketOwners(proc, new Set(sockets.map((s) => s.inode).filter((i) => i !== 0)));
  const names = new Map<number, string | undefined>();
  for (const s of sockets) {
    const pids = owners.get(s.inode);
    if (pids === undefined) continue;
    const pid = pids[0]!;
    s.pid = pid;
    s.pids = [...pids];
    if (!names.has(pid)) names.set(pid, commandName(proc, pid));
    const name = names.get(pid);
    if (name !== undefined) s.process = name;
  }
  return sockets.sort(
    (a, b) =>
      a.protocol.localeCompare(b.protocol) ||
      a.family - b.family ||
      a.port - b.port ||
      a.address.localeCompare(b.address) ||
      a.inode - b.inode,
  );
}
