/**
 * End to end on real inputs: a debootstrap Debian rootfs, Debian's Go programs, and the real
 * advisory data in ../shared/vulndata, through the `vigil` command line.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Inventory } from "../../src/extractors/types.js";
import type { Finding } from "../../src/findings/finding.js";
import { runVigil } from "../support/cli.js";
import { debianGoPrograms, debootstrapRootfs, vulndataDir } from "../support/fixtures.js";

interface ScanJson {
  findings: Finding[];
  inventory: Pick<Inventory, "os" | "packages">;
  warnings: Inventory["warnings"];
}

// dpkg-query's own ${field} syntax, not a template.
const DPKG_FORMAT = ["Package", "Version", "source:Package", "source:Version", "db:Status-Abbrev"]
  .map((f) => "$" + `{${f}}`)
  .join("\t")
  .concat("\n");

/** Installed packages as dpkg itself reports them: the truth for the dpkg extractor. */
function dpkgQuery(root: string): Map<string, { version: string; source: string; sourceVersion: string }> {
  const out = execFileSync(
    "dpkg-query",
    [`--admindir=${join(root, "var/lib/dpkg")}`, "-W", "-f", DPKG_FORMAT],
    { encoding: "utf8" },
  );
  const m = new Map<string, { version: string; source: string; sourceVersion: string }>();
  for (const line of out.trim().split("\n")) {
    const [name, version, source, sourceVersion, status] = line.split("\t");
    if (status?.trim() === "ii")
      m.set(name!, { version: version!, source: source!, sourceVersion: sourceVersion! });
  }
  return m;
}

describe("vigil scan on real inputs", () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), "vigil-e2e-"));
    const r = runVigil(["--quiet", "--data-dir", dataDir, "db", "update", "--mirror", vulndataDir]);
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it("inventories a debootstrap bookworm rootfs exactly as dpkg does", () => {
    const root = debootstrapRootfs("bookworm");
    const r = runVigil(["--quiet", "--data-dir", dataDir, "scan", "--format", "json", root]);
    assert.equal(r.status, 0, r.stderr);
    const scan = JSON.parse(r.stdout) as ScanJson;
    assert.equal(scan.inventory.os?.id, "debian");
    assert.equal(scan.inventory.os?.ecosystem, "Debian:12");
    const truth = dpkgQuery(root);
    const debs = scan.inventory.packages.filter((p) => p.type === "deb");
    assert.equal(debs.length, truth.size);
    for (const p of debs) {
      const t = truth.get(p.name);
      assert.ok(t, `${p.name} is not installed according to dpkg`);
      assert.equal(p.version, t.version, p.name);
      assert.equal(p.source?.name ?? p.name, t.source, `${p.name} source`);
      assert.equal(p.ecosystem, "Debian:12");
      assert.equal(p.location, "var/lib/dpkg/status");
    }
    assert.deepEqual(scan.warnings, []);
  });

  it("matches a bullseye rootfs against Debian:11 advisories exactly as dpkg --compare-versions decides", () => {
    const root = debootstrapRootfs("bullseye");
    const installed = dpkgQuery(root);
    // The advisories, read straight from the archive with Python's zipfile (not our importer).
    const records = JSON.parse(
      execFileSync(
        "python3",
        [
          "-c",
          `import json, sys, zipfile
out = []
with zipfile.ZipFile(sys.argv[1]) as z:
    for n in z.namelist():
        r = json.loads(z.read(n))
        for a in r.get("affected", []):
            if a["package"]["ecosystem"] != "Debian:11":
                continue
            for rg in a.get("ranges", []):
                for e in rg["events"]:
                    if "fixed" in e:
                        out.append([r["id"], r.get("aliases", []), a["package"]["name"], e["fixed"]])
print(json.dumps(out))`,
          join(vulndataDir, "osv/Debian/all.zip"),
        ],
        { encoding: "utf8", maxBuffer: 64 << 20 },
      ),
    ) as [string, string[], string, string][];
    const bySource = new Map<string, string[]>();
    for (const [name, p] of installed) bySource.set(p.source, [...(bySource.get(p.source) ?? []), name]);
    const pairs: { id: string; aliases: string[]; binaries: string[]; installed: string; fixed: string }[] =
      [];
    for (const [id, aliases, source, fixed] of records) {
      const binaries = bySource.get(source);
      if (!binaries) continue;
      const version = installed.get(binaries[0]!)!.sourceVersion;
      pairs.push({ id, aliases, binaries, installed: version, fixed });
    }
    assert.ok(pairs.length >= 10, `only ${pairs.length} advisory/package pairs to compare`);
    // dpkg decides each pair: vulnerable when the installed source version is below the fix.
    const script = pairs
      .map((p) => `dpkg --compare-versions '${p.installed}' lt '${p.fixed}' && echo 1 || echo 0`)
      .join("\n");
    const verdicts = execFileSync("bash", ["-c", script], { encoding: "utf8" }).trim().split("\n");
    const expected = new Set<string>();
    pairs.forEach((p, i) => {
      if (verdicts[i] !== "1") return;
      const cves = p.aliases.filter((a) => a.startsWith("CVE-"));
      for (const b of p.binaries)
        for (const id of cves.length > 0 ? cves : [p.id]) expected.add(`${id} ${b}`);
    });
    const r = runVigil(["--quiet", "--data-dir", dataDir, "scan", "--format", "json", root]);
    assert.equal(r.status, 0, r.stderr);
    const scan = JSON.parse(r.stdout) as ScanJson;
    const ours = new Set(
      scan.findings.map(
        (f) =>
          `${f.packageVulnerabilityDetails.vulnerabilityId} ${f.packageVulnerabilityDetails.vulnerablePackages[0]!.name}`,
      ),
    );
    assert.deepEqual([...ours].sort(), [...expected].sort());
  });

  it("finds Go standard library and module vulnerabilities in Debian's Go programs", () => {
    const dir = debianGoPrograms();
    const r = runVigil(["--quiet", "--data-dir", dataDir, "scan", "--format", "json", dir]);
    assert.equal(r.status, 0, r.stderr);
    const scan = JSON.parse(r.stdout) as ScanJson;
    const goVersion = execFileSync("go", ["version", join(dir, "usr/bin/skopeo")], { encoding: "utf8" });
    const toolchain = /go(\d+\.\d+(?:\.\d+)?)/.exec(goVersion.split(":")[1] ?? "")?.[1];
    assert.ok(toolchain, goVersion);
    const stdlib = scan.inventory.packages.filter((p) => p.name === "stdlib");
    assert.deepEqual(
      stdlib.map((p) => `${p.location}@${p.version}`).sort(),
      ["usr/bin/docker-registry", "usr/bin/skopeo"].map((l) => `${l}@${toolchain}`),
    );
    const stdlibFindings = scan.findings.filter(
      (f) => f.packageVulnerabilityDetails.vulnerablePackages[0]?.name === "stdlib",
    );
    assert.ok(stdlibFindings.length > 20, `only ${stdlibFindings.length} stdlib findings`);
    for (const f of stdlibFindings) {
      const p = f.packageVulnerabilityDetails.vulnerablePackages[0]!;
      assert.equal(p.packageManager, "GOBINARY");
      assert.equal(p.version, toolchain);
      assert.equal(f.type, "PACKAGE_VULNERABILITY");
      assert.match(f.findingArn, /^arn:aws:inspector2:local:000000000000:finding\/[0-9a-f]{32}$/);
      // Every fix named must be newer than what the binary was built with.
      if (p.fixedInVersion !== "NotAvailable") {
        const newer: string = execFileSync(
          "dpkg",
          ["--compare-versions", p.fixedInVersion, "gt", toolchain],
          {
            encoding: "utf8",
          },
        );
        assert.equal(newer, "");
      }
    }
    const ids = new Set(scan.findings.map((f) => f.packageVulnerabilityDetails.vulnerabilityId));
    // CVE-2023-39325 (HTTP/2 rapid reset, GO-2023-2102) is fixed in Go 1.20.10 / 1.21.3; bookworm's Go 1.19 is affected.
    assert.ok(ids.has("CVE-2023-39325"), [...ids].slice(0, 50).join(" "));
    const rapid = scan.findings.filter(
      (f) => f.packageVulnerabilityDetails.vulnerabilityId === "CVE-2023-39325",
    );
    assert.ok(
      rapid.some((f) => f.packageVulnerabilityDetails.relatedVulnerabilities.includes("GO-2023-2102")),
    );
    // exploitAvailable is YES exactly for the CVEs in CISA's KEV catalog (read here directly).
    const kev = JSON.parse(
      readFileSync(join(vulndataDir, "kev/known_exploited_vulnerabilities.json"), "utf8"),
    ) as {
      vulnerabilities: { cveID: string }[];
    };
    const known = new Set(kev.vulnerabilities.map((v) => v.cveID));
    for (const f of scan.findings) {
      const id = f.packageVulnerabilityDetails.vulnerabilityId;
      assert.equal(f.exploitAvailable, known.has(id) ? "YES" : "NO", id);
    }
  });

  it("--fail-on turns findings into exit code 1, table output by default", () => {
    const dir = debianGoPrograms();
    // Go's database carries no CVSS, so these findings are UNTRIAGED: the lowest threshold.
    const r = runVigil(["--data-dir", dataDir, "scan", "--fail-on", "untriaged", dir]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /CVE-2023-39325/);
    assert.match(r.stdout, /\d+ findings \(\d+ UNTRIAGED\)/);
    const low = runVigil(["--quiet", "--data-dir", dataDir, "scan", "--fail-on", "low", dir]);
    assert.equal(low.status, 0, low.stderr);
    const none = runVigil([
      "--quiet",
      "--data-dir",
      dataDir,
      "scan",
      "--fail-on",
      "critical",
      join(vulndataDir, "kev"),
    ]);
    assert.equal(none.status, 0, none.stderr);
  });
});
