/** Host facts the agent reports besides the package inventory. */
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { type NetworkInterface, networkInterfaces } from "./network.js";
import { fileOwners, packagesInUse, packagesOfProcess } from "./ownership.js";
import { kernelInfo, listProcesses } from "./procfs.js";
import { type ListeningSocket, listeningSockets } from "./sockets.js";

export type { NetworkInterface } from "./network.js";
export { networkInterfaces } from "./network.js";
export { fileOwners, packagesInUse, packagesOfProcess } from "./ownership.js";
export type { ProcessInfo } from "./procfs.js";
export { kernelInfo, listProcesses, parseMaps } from "./procfs.js";
export type { ListeningSocket } from "./sockets.js";
export { formatIPv6, listeningSockets, parseProcNet } from "./sockets.js";

export interface HostFacts {
  kernel: { release?: string; version?: string };
  processes: { pid: number; name: string; exe?: string; packages?: string[] }[];
  listening: ListeningSocket[];
  interfaces: NetworkInterface[];
  /** Package name -> pids of the processes running or mapping one of its files. */
  inUse: Record<string, number[]>;
}

function isLiveRoot(root: string): boolean {
  try {
    return realpathSync(root) === "/";
  } catch {
    return resolve(root) === "/";
  }
}

/**
 * Collects everything for a live host (`root` "/", procfs at `proc`, default "/proc"), or, when `root`
 * is another directory (a mounted disk, a test rootfs), only what a disk holds: no kernel, processes,
 * sockets or in-use information, and no interfaces.
 */
export async function collectHostFacts(options: { root: string; proc?: string }): Promise<HostFacts> {
  if (!isLiveRoot(options.root)) {
    return { kernel: {}, processes: [], listening: [], interfaces: [], inUse: {} };
  }
  const proc = options.proc ?? "/proc";
  const [processes, listening] = await Promise.all([listProcesses(proc), listeningSockets(proc)]);
  // Only the files running processes use are looked up: a full ownership map of a host is large.
  const used = new Set(processes.flatMap((p) => (p.exe === undefined ? p.mapped : [p.exe, ...p.mapped])));
  const owners = await fileOwners(options.root, used);
  return {
    kernel: kernelInfo(proc),
    processes: processes.map((p) => {
      const packages = packagesOfProcess(p, owners);
      return {
        pid: p.pid,
        name: p.name,
        ...(p.exe === undefined ? {} : { exe: p.exe }),
        ...(packages.length === 0 ? {} : { packages }),
      };
    }),
    listening,
    interfaces: networkInterfaces(),
    inUse: Object.fromEntries(packagesInUse(processes, owners)),
  };
}
