import assert from "node:assert/strict";
import { execFile, spawn, spawnSync } from "node:child_process";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { networkInterfaces as osInterfaces, release, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import {
  collectHostFacts,
  fileOwners,
  formatIPv6,
  kernelInfo,
  type ListeningSocket,
  listeningSockets,
  listProcesses,
  networkInterfaces,
  type ProcessInfo,
  packagesInUse,
  parseMaps,
  parseProcNet,
} from "../../src/agent/collect/index.js";
import { osqueryBinary, repoRoot } from "../support/fixtures.js";

const FIXTURES = join(repoRoot, "test/fixtures/agent");
const PROC = join(FIXTURES, "proc");
const read = (path: string) => readFileSync(join(PROC, path), "utf8");

/** What the kernel calls this process (/proc/self/comm), as listening sockets report it. */
const selfComm = readFileSync("/proc/self/comm", "utf8").trim();

/** A plain libc, glibc or musl, as it shows in /proc/<pid>/maps. */
const LIBC = /\/(?:libc\.so\.6|libc\.musl-[^/]+\.so\.1|ld-musl-[^/]+\.so\.1)$/;

describe("parseProcNet", () => {
  it("TCP over IPv4: only the LISTEN row, address and port decoded", () => {
    assert.deepEqual(parseProcNet(read("net/tcp"), "tcp", 4), [
      { protocol: "tcp", family: 4, address: "0.0.0.0", port: 2024, inode: 1060 },
    ]);
  });

  it("TCP over IPv6: v4-mapped, unspecified and global addresses; the established row is left out", () => {
    assert.deepEqual(parseProcNet(read("net/tcp6"), "tcp", 6), [
      { protocol: "tcp", family: 6, address: "::ffff:127.0.0.1", port: 8080, inode: 776543 },
      { protocol: "tcp", family: 6, address: "::", port: 55441, inode: 773943 },
      { protocol: "tcp", family: 6, address: "2001:db8::1", port: 443, inode: 777001 },
    ]);
  });

  it("UDP over IPv4: bound unconnected sockets only (not state 01, not state 07 with a peer)", () => {
    assert.deepEqual(parseProcNet(read("net/udp"), "udp", 4), [
      { protocol: "udp", family: 4, address: "0.0.0.0", port: 68, inode: 776546 },
    ]);
  });

  it("UDP over IPv6, skipping a garbage line", () => {
    assert.deepEqual(parseProcNet(read("net/udp6"), "udp", 6), [
      { protocol: "udp", family: 6, address: "::", port: 5353, inode: 776544 },
      { protocol: "udp", family: 6, address: "::1", port: 55705, inode: 773941 },
    ]);
  });

  it("a table of the other family or garbage yields nothing", () => {
    assert.deepEqual(parseProcNet(read("net/tcp6"), "tcp", 4), []);
    assert.deepEqual(parseProcNet("\u0000\u0001 0: zz:zz yy:yy 0A a b c d e f g h\n\n", "tcp", 4), []);
    assert.deepEqual(parseProcNet("", "udp", 6), []);
  });

  it("formats IPv6 per RFC 5952", () => {
    const bytes = (hex: string) => hex.match(/../g)!.map((b) => Number.parseInt(b, 16));
    assert.equal(formatIPv6(bytes("00000000000000000000000000000001")), "::1");
    assert.equal(formatIPv6(bytes("00000000000000000000000000000000")), "::");
    assert.equal(formatIPv6(bytes("20010db8000000000001000000000001")), "2001:db8::1:0:0:1");
    assert.equal(formatIPv6(bytes("20010db8000000010001000100010001")), "2001:db8:0:1:1:1:1:1");
    assert.equal(formatIPv6(bytes("fe800000000000000a0027fffe4e6f3c")), "fe80::a00:27ff:fe4e:6f3c");
    assert.equal(formatIPv6(bytes("00000000000000000000ffffc0a80101")), "::ffff:192.168.1.1");
  });
});

describe("procfs fixture (hand-written /proc)", () => {
  it("lists the readable processes; vanished ones are skipped, garbage maps give no paths", async () => {
    const procs = await listProcesses(PROC);
    assert.deepEqual(procs, [
      {
        pid: 100,
        name: "fake-httpd",
        exe: "/usr/sbin/fake-httpd",
        cmdline: ["/usr/sbin/fake-httpd", "-f", "/etc/fake httpd.conf"],
        uid: 33,
        mapped: [
          "/usr/sbin/fake-httpd",
          "/usr/lib/x86_64-linux-gnu/libc.so.6",
          "/usr/lib/x86_64-linux-gnu/libssl.so.3",
          "/opt/my app/lib/libplugin.so",
          "/lib/x86_64-linux-gnu/libz.so.1.2.13",
        ],
      },
      // No exe link, garbage maps: kept with what could be read.
      { pid: 101, name: "worker", cmdline: ["worker"], uid: 33, mapped: [] },
    ]);
    assert.equal((await listProcesses(PROC, { maxProcesses: 1 })).length, 1);
    assert.deepEqual(await listProcesses(join(FIXTURES, "no-such-proc")), []);
  });

  it("parseMaps: paths with spaces, deleted files; lines that are not maps lines are ignored", () => {
    assert.deepEqual(parseMaps(read("101/maps")), []);
    assert.deepEqual(
      parseMaps("7f00-7f01 r-xp 00000000 fe:00 12 /usr/lib/a b.so (deleted)\n7f01-7f02 r--p 0 fe:00 12 /x"),
      ["/usr/lib/a b.so", "/x"],
    );
  });

  it("maps sockets to processes through fd links, tolerating dangling and non-link fds", async () => {
    assert.deepEqual(await listeningSockets(PROC), [
      { protocol: "tcp", family: 4, address: "0.0.0.0", port: 2024, inode: 1060 },
      { protocol: "tcp", family: 6, address: "2001:db8::1", port: 443, inode: 777001 },
      // Shared by 100 and 101: the lowest pid.
      {
        protocol: "tcp",
        family: 6,
        address: "::ffff:127.0.0.1",
        port: 8080,
        inode: 776543,
        pid: 100,
        pids: [100, 101],
        process: "fake-httpd",
      },
      { protocol: "tcp", family: 6, address: "::", port: 55441, inode: 773943 },
      { protocol: "udp", family: 4, address: "0.0.0.0", port: 68, inode: 776546 },
      { protocol: "udp", family: 6, address: "::", port: 5353, inode: 776544 },
      {
        protocol: "udp",
        family: 6,
        address: "::1",
        port: 55705,
        inode: 773941,
        pid: 101,
        pids: [101],
        process: "worker",
      },
    ]);
    assert.deepEqual(await listeningSockets(join(FIXTURES, "no-such-proc")), []);
  });

  it("reads the kernel release and banner", () => {
    assert.deepEqual(kernelInfo(PROC), {
      release: "6.1.0-18-amd64",
      version:
        "Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, " +
        "GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)",
    });
    assert.deepEqual(kernelInfo(join(FIXTURES, "no-such-proc")), {});
  });
});

describe("file ownership (fixtures)", () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), "vigil-owners-"));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("dpkg: file lists, arch suffix dropped, directories left out", async () => {
    assert.deepEqual(
      await fileOwners(join(FIXTURES, "dpkg-root")),
      new Map([
        ["/usr/sbin/fake-httpd", "fake-httpd"],
        ["/usr/share/doc/fake-httpd/copyright", "fake-httpd"],
        ["/lib/x86_64-linux-gnu/libc.so.6", "libc6"],
        ["/usr/share/doc/libc6/copyright", "libc6"],
        ["/usr/lib/x86_64-linux-gnu/libssl.so.3", "libssl3"],
        ["/usr/lib/x86_64-linux-gnu/libz.so.1.2.13", "zlib1g"],
        ["/usr/lib/x86_64-linux-gnu/libz.so.1", "zlib1g"],
      ]),
    );
  });

  it("apk: P:/F:/R: records", async () => {
    assert.deepEqual(
      await fileOwners(join(FIXTURES, "apk-root")),
      new Map([
        ["/lib/ld-musl-x86_64.so.1", "musl"],
        ["/lib/libc.musl-x86_64.so.1", "musl"],
        ["/bin/busybox", "busybox"],
        ["/etc/securetty", "busybox"],
        ["/usr/share/udhcpc/default.script", "busybox"],
        ["/etc/ssl/certs/ca-certificates.crt", "ca-certificates-bundle"],
      ]),
    );
  });

  it("missing databases give an empty map; oversized lists are skipped", async () => {
    assert.equal((await fileOwners(tmp)).size, 0);
    assert.equal((await fileOwners(join(tmp, "nowhere"))).size, 0);
    const info = join(tmp, "var/lib/dpkg/info");
    mkdirSync(info, { recursive: true });
    writeFileSync(join(info, "small.list"), "/usr/bin/small\n");
    writeFileSync(join(info, "huge.list"), "/usr/bin/huge\n");
    truncateSync(join(info, "huge.list"), 65 << 20); // sparse
    assert.deepEqual(await fileOwners(tmp), new Map([["/usr/bin/small", "small"]]));
  });

  it("packages in use, across the merged-/usr twins", async () => {
    const owners = await fileOwners(join(FIXTURES, "dpkg-root"));
    assert.deepEqual(
      packagesInUse(await listProcesses(PROC), owners),
      new Map([
        ["fake-httpd", [100]],
        ["libc6", [100]], // maps /usr/lib/…, dpkg lists /lib/…
        ["libssl3", [100]],
        ["zlib1g", [100]], // maps /lib/…, dpkg lists /usr/lib/…
      ]),
    );
    const proc = (pid: number, exe: string | undefined, mapped: string[]): ProcessInfo => ({
      pid,
      name: "p",
      cmdline: [],
      mapped,
      ...(exe ? { exe } : {}),
    });
    assert.deepEqual(
      packagesInUse(
        [
          proc(7, "/bin/fake-httpd", []),
          proc(3, undefined, ["/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"]),
          proc(5, "/usr/sbin/fake-httpd", ["/lib/x86_64-linux-gnu/libc.so.6", "/opt/x.so"]),
        ],
        owners,
      ),
      new Map([
        ["libc6", [3, 5]],
        ["fake-httpd", [5]],
      ]),
    );
  });
});

/** Listens on TCP and UDP on loopback (and on ::1 where IPv6 is up); closes them on `close()`. */
async function knownSockets(): Promise<{ expected: Omit<ListeningSocket, "inode">[]; close(): void }> {
  const servers: Server[] = [];
  const dgrams: UdpSocket[] = [];
  const expected: Omit<ListeningSocket, "inode">[] = [];
  const listen = async (host: string, family: 4 | 6) => {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, host, resolve);
    });
    servers.push(server);
    const { port } = server.address() as { port: number };
    expected.push({
      protocol: "tcp",
      family,
      address: host,
      port,
      pid: process.pid,
      pids: [process.pid],
      process: selfComm,
    });
  };
  const bind = async (host: string, family: 4 | 6) => {
    const socket = createSocket(family === 4 ? "udp4" : "udp6");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, host, resolve);
    });
    dgrams.push(socket);
    expected.push({
      protocol: "udp",
      family,
      address: host,
      port: socket.address().port,
      pid: process.pid,
      pids: [process.pid],
      process: selfComm,
    });
  };
  await listen("127.0.0.1", 4);
  await bind("127.0.0.1", 4);
  const hasIPv6 = Object.values(osInterfaces()).some((l) => l?.some((a) => a.address === "::1"));
  if (hasIPv6) {
    await listen("::1", 6);
    await bind("::1", 6);
  }
  return {
    expected,
    close() {
      for (const s of servers) s.close();
      for (const d of dgrams) d.close();
    },
  };
}

const key = (s: { protocol: string; port: number; pid?: number }) => `${s.protocol}/${s.port}/${s.pid ?? -1}`;

describe("this machine", () => {
  let known: Awaited<ReturnType<typeof knownSockets>>;
  let owners: Map<string, string>;
  before(async () => {
    known = await knownSockets();
    owners = await fileOwners("/");
  });
  after(() => known.close());

  it("listeningSockets finds this process's TCP and UDP sockets", async () => {
    const sockets = await listeningSockets();
    for (const want of known.expected) {
      const found = sockets.filter((s) => s.protocol === want.protocol && s.port === want.port);
      assert.equal(
        found.length,
        1,
        `${want.protocol} ${want.address}:${want.port} in ${JSON.stringify(sockets)}`,
      );
      const { inode, ...rest } = found[0]!;
      assert.deepEqual(rest, want);
      assert.ok(inode > 0);
    }
  });

  it("agrees with osquery's listening_ports", async (t) => {
    const osquery = osqueryBinary();
    const netns = readlinkSync("/proc/self/ns/net").replace(/^net:\[(\d+)\]$/, "$1");
    const first = await listeningSockets();
    const { stdout } = await promisify(execFile)(
      osquery,
      [
        "--json",
        "select pid, port, protocol, socket, net_namespace from listening_ports " +
          "where protocol in (6, 17) and family in (2, 10)",
      ],
      { maxBuffer: 64 << 20, timeout: 120_000 },
    );
    const second = await listeningSockets();
    // Sockets by protocol and inode, each with its port and the pids holding it. osquery lists a socket
    // once per namespace view and names one holder of a shared socket (the last it found); we name all.
    type Row = { pid: string; port: string; protocol: string; socket: string; net_namespace: string };
    type Seen = { port: number; pids: Set<number> };
    const theirs = new Map<string, Seen>();
    for (const row of JSON.parse(stdout) as Row[]) {
      if (row.net_namespace !== "0" && row.net_namespace !== netns) continue;
      const id = `${row.protocol === "6" ? "tcp" : "udp"}/${row.socket}`;
      const seen = theirs.get(id) ?? { port: Number(row.port), pids: new Set() };
      if (row.pid !== "-1") seen.pids.add(Number(row.pid));
      theirs.set(id, seen);
    }
    const ours = (sockets: ListeningSocket[]) =>
      new Map<string, Seen>(
        sockets.map((s) => [`${s.protocol}/${s.inode}`, { port: s.port, pids: new Set(s.pids ?? []) }]),
      );
    const ours1 = ours(first);
    const ours2 = ours(second);
    const stable = new Map([...ours1].filter(([id]) => ours2.has(id)));
    const any = new Map([...ours1, ...ours2]);
    const agrees = (id: string, a: Seen) => {
      const b = any.get(id);
      return (
        b !== undefined &&
        a.port === b.port &&
        a.pids.size > 0 === b.pids.size > 0 &&
        [...a.pids].every((p) => b.pids.has(p))
      );
    };
    for (const want of known.expected) {
      const id = [...stable].find(
        ([sid, s]) => sid.startsWith(`${want.protocol}/`) && s.port === want.port,
      )?.[0];
      assert.ok(id !== undefined, `we see ${key(want)}`);
      assert.ok(theirs.has(id), `osquery sees ${key(want)}`);
      assert.deepEqual([...theirs.get(id)!.pids], [process.pid]);
    }
    // Sockets other processes open or close between the reads may differ; the rest must agree.
    const agree = [...theirs].filter(([id, s]) => agrees(id, s));
    const all = new Set([...theirs.keys(), ...stable.keys()]).size;
    const show = (m: Map<string, Seen>, ids: string[]) =>
      ids.map((id) => `${id}:${m.get(id)!.port}[${[...m.get(id)!.pids].join(",")}]`).join(" ") || "-";
    t.diagnostic(
      `osquery ${theirs.size} sockets, ours ${ours1.size}/${ours2.size} (stable ${stable.size}), ` +
        `agreeing ${agree.length} of ${all}; ` +
        `shared by several processes: ${[...stable.values()].filter((s) => s.pids.size > 1).length}; ` +
        `osquery differs: ${show(
          theirs,
          [...theirs.keys()].filter((id) => !agrees(id, theirs.get(id)!)),
        )}; ` +
        `ours only: ${show(
          stable,
          [...stable.keys()].filter((id) => !theirs.has(id)),
        )}`,
    );
    assert.ok(agree.length / all >= 0.9, `overlap ${agree.length}/${all}`);
  });

  it("listProcesses sees this process with its executable and libc", async () => {
    const procs = await listProcesses();
    const self = procs.find((p) => p.pid === process.pid);
    assert.ok(self, "own pid listed");
    assert.equal(self.exe, realpathSync(process.execPath));
    assert.equal(self.name, selfComm);
    assert.equal(self.uid, process.getuid!());
    assert.ok(self.cmdline.length > 0);
    assert.ok(
      self.mapped.some((p) => LIBC.test(p)),
      self.mapped.join("\n"),
    );
    assert.ok(self.mapped.includes(self.exe));
    assert.equal(new Set(self.mapped).size, self.mapped.length);
    assert.ok(procs.some((p) => p.pid === 1 || p.pid === process.ppid));
    assert.ok((await listProcesses("/proc", { maxProcesses: 2 })).length <= 2);
  });

  it("a child that exits, and children coming and going, are handled", async () => {
    const child = spawn("sleep", ["30"], { stdio: "ignore" });
    await new Promise((resolve) => child.once("spawn", resolve));
    const exited = new Promise((resolve) => child.once("exit", resolve));
    const sleepExe = realpathSync(
      spawnSync("sh", ["-c", "command -v sleep"], { encoding: "utf8" }).stdout.trim(),
    );
    // The child may still be node's fork for a moment; wait until it is sleep.
    let seen: ProcessInfo | undefined;
    for (let i = 0; i < 50 && seen?.exe !== sleepExe; i++) {
      seen = (await listProcesses()).find((p) => p.pid === child.pid);
      if (seen?.exe !== sleepExe) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(seen?.exe, sleepExe);
    assert.deepEqual(seen?.cmdline, ["sleep", "30"]);
    child.kill();
    await exited;
    assert.equal(
      (await listProcesses()).find((p) => p.pid === child.pid && p.name === "sleep"),
      undefined,
    );

    // Short-lived processes spawning and exiting during the walk.
    let running = true;
    const churn = (async () => {
      let n = 0;
      while (running) {
        await new Promise((resolve) => spawn("true", { stdio: "ignore" }).once("exit", resolve));
        n++;
      }
      return n;
    })();
    for (let i = 0; i < 5; i++) {
      await listProcesses();
      await listeningSockets();
    }
    running = false;
    assert.ok((await churn) > 0);
  });

  it("fileOwners('/') agrees with dpkg -S", async () => {
    const dpkg = owners.get("/usr/bin/dpkg") === undefined ? "/bin/dpkg" : "/usr/bin/dpkg";
    assert.equal(owners.get(dpkg), "dpkg");
    assert.equal(spawnSync("dpkg", ["-S", dpkg], { encoding: "utf8" }).stdout.trim(), `dpkg: ${dpkg}`);
    // A spread of files across the whole map, checked in one dpkg -S call.
    const files = [...owners.keys()].filter((p) => !/[*?[\]\\\s]/.test(p));
    const sample = Array.from({ length: 200 }, (_, i) => files[Math.floor((i * files.length) / 200)]!);
    const out = spawnSync("dpkg", ["-S", ...sample], { encoding: "utf8", maxBuffer: 64 << 20 }).stdout;
    const truth = new Map<string, string[]>();
    for (const line of out.split("\n")) {
      if (line === "" || line.startsWith("diversion by ")) continue;
      const at = line.indexOf(": /");
      const pkgs = line
        .slice(0, at)
        .split(", ")
        .map((p) => p.replace(/:.*$/, ""));
      truth.set(line.slice(at + 2), pkgs);
    }
    for (const path of sample) {
      assert.ok(
        truth.get(path)?.includes(owners.get(path)!),
        `${path}: ours ${owners.get(path)}, dpkg ${truth.get(path)}`,
      );
    }
  });

  it("packagesInUse: libc6 and the package of node's executable are in use by this process", async () => {
    const inUse = packagesInUse(await listProcesses(), owners);
    assert.ok(inUse.get("libc6")?.includes(process.pid), "libc6");
    const node = spawnSync("dpkg", ["-S", realpathSync(process.execPath)], { encoding: "utf8" });
    if (node.status === 0) {
      const pkg = node.stdout.trim().split(": ")[0]!.replace(/:.*$/, "");
      assert.ok(inUse.get(pkg)?.includes(process.pid), pkg);
    }
  });

  it("networkInterfaces matches the OS, loopback flagged", () => {
    const ifaces = networkInterfaces();
    assert.deepEqual(ifaces.map((i) => i.name).sort(), Object.keys(osInterfaces()).sort());
    const lo = ifaces.find((i) => i.name === "lo");
    assert.equal(lo?.internal, true);
    assert.equal(lo?.mac, undefined);
    assert.ok(lo?.addresses.some((a) => a.family === 4 && a.address === "127.0.0.1" && a.prefixLength === 8));
  });

  it("collectHostFacts: the live host", async () => {
    const facts = await collectHostFacts({ root: "/" });
    assert.equal(facts.kernel.release, release());
    assert.match(facts.kernel.version ?? "", /^Linux version /);
    const self = facts.processes.find((p) => p.pid === process.pid);
    assert.equal(self?.exe, realpathSync(process.execPath));
    assert.ok(self?.packages?.includes("libc6"));
    assert.ok(facts.inUse["libc6"]?.includes(process.pid));
    assert.ok(facts.interfaces.some((i) => i.name === "lo"));
    for (const want of known.expected) {
      assert.ok(
        facts.listening.some((s) => key(s) === key(want)),
        key(want),
      );
    }
  });

  it("collectHostFacts: live root with a given procfs", async () => {
    const facts = await collectHostFacts({ root: "/", proc: PROC });
    assert.equal(facts.kernel.release, "6.1.0-18-amd64");
    assert.deepEqual(
      facts.processes.map((p) => [p.pid, p.name, p.exe]),
      [
        [100, "fake-httpd", "/usr/sbin/fake-httpd"],
        [101, "worker", undefined],
      ],
    );
    assert.equal(facts.listening.length, 7);
  });

  it("collectHostFacts: a disk that is not the running system holds no live facts", async () => {
    const root = mkdtempSync(join(tmpdir(), "vigil-facts-"));
    try {
      assert.deepEqual(await collectHostFacts({ root }), {
        kernel: {},
        processes: [],
        listening: [],
        interfaces: [],
        inUse: {},
      });
      assert.deepEqual((await collectHostFacts({ root: join(FIXTURES, "dpkg-root") })).processes, []);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
