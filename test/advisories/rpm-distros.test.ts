/**
 * Advisories for RPM distributions from the real samples: an Amazon Linux ALAS bulletin, Red
 * Hat CSAF VEX documents, AlmaLinux and Rocky Linux OSV records — imported through a mirror laid
 * out as the feeds expect, then matched against rpm packages.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { parseProductVersion } from "../../src/advisories/feeds/redhat-csaf.js";
import { type AdvisoryStore, openAdvisoryStore, updateAdvisories } from "../../src/advisories/index.js";
import { osEcosystem } from "../../src/extractors/os/os-release.js";
import type { Package } from "../../src/extractors/types.js";
import { matchInventory } from "../../src/matching/match.js";
import { vulndataDir } from "../support/fixtures.js";
import { serveFiles } from "../support/http.js";

const samples = join(vulndataDir, "samples");

const rpmPackage = (name: string, version: string, ecosystem: string, source?: string): Package => ({
  name,
  version,
  type: "rpm",
  ecosystem,
  location: "var/lib/rpm/rpmdb.sqlite",
  extractor: "rpm",
  ...(source ? { source: { name: source } } : {}),
});

describe("RPM distribution advisories", () => {
  let mirror: string;
  let dataDir: string;
  let store: AdvisoryStore;
  before(async () => {
    mirror = mkdtempSync(join(tmpdir(), "vigil-rpm-mirror-"));
    dataDir = mkdtempSync(join(tmpdir(), "vigil-rpm-data-"));
    mkdirSync(join(mirror, "amazon/2023"), { recursive: true });
    copyFileSync(
      join(samples, "amazon-alas-2023-126.html"),
      join(mirror, "amazon/2023/ALAS2023-2023-126.html"),
    );
    mkdirSync(join(mirror, "redhat/csaf"), { recursive: true });
    for (const f of ["rhel-csaf-rhsa-2024_6163.json", "rhel-csaf-rhsa-2023_7025.json"]) {
      copyFileSync(join(samples, f), join(mirror, "redhat/csaf", f));
    }
    for (const [eco, file] of [
      ["AlmaLinux", "alma-osv-ALSA-2024_2433.json"],
      ["Rocky Linux", "rocky-osv-RLSA-2024_3671.json"],
    ] as const) {
      mkdirSync(join(mirror, "osv", eco), { recursive: true });
      execFileSync("python3", [
        "-c",
        "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w') as z: z.write(sys.argv[2], sys.argv[3])",
        join(mirror, "osv", eco, "all.zip"),
        join(samples, file),
        file,
      ]);
    }
    // A yum updateinfo.xml for Amazon Linux 2, in the repository metadata format.
    mkdirSync(join(mirror, "amazon/2"), { recursive: true });
    writeFileSync(
      join(mirror, "amazon/2/updateinfo.xml"),
      `<?xml version="1.0" ?>
<updates>
  <update author="linux-security@amazon.com" from="linux-security@amazon.com" status="final" type="security" version="2.0">
    <id>ALAS2-2018-939</id>
    <title>Amazon Linux 2 2017.12 - ALAS2-2018-939: critical priority package update for kernel</title>
    <issued date="2018-01-11 21:05"/><updated date="2018-01-16 01:28"/>
    <severity>critical</severity>
    <description>Package updates are available for Amazon Linux 2 that fix the following vulnerabilities.</description>
    <references>
      <reference href="https://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2017-5715" id="CVE-2017-5715" title="" type="cve"/>
      <reference href="https://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2017-5754" id="CVE-2017-5754" title="" type="cve"/>
    </references>
    <pkglist><collection short="amazon-linux-2"><name>amazon-linux-2</name>
      <package arch="x86_64" epoch="0" name="kernel" release="2.10.amzn2" version="4.9.76"><filename>Packages/kernel-4.9.76-2.10.amzn2.x86_64.rpm</filename></package>
    </collection></pkglist>
  </update>
  <update status="final" type="bugfix" version="2.0"><id>ALAS2-2018-1</id></update>
</updates>
`,
    );
    const result = await updateAdvisories({
      dataDir,
      mirror,
      feeds: ["amazon-linux", "redhat-csaf", "osv:AlmaLinux", "osv:Rocky Linux"],
    });
    assert.ok(result.ok, JSON.stringify(result.feeds.map((f) => [f.name, f.status, f.error])));
    store = openAdvisoryStore(dataDir, { readonly: true });
  });
  after(() => {
    store?.close();
    rmSync(mirror, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("the OS detection and the feeds agree on ecosystem names", () => {
    assert.equal(osEcosystem("amzn", "2023", undefined), "Amazon Linux:2023");
    assert.equal(osEcosystem("amzn", "2", undefined), "Amazon Linux:2");
    assert.equal(osEcosystem("rhel", "9.4", undefined), "Red Hat:9");
    assert.equal(osEcosystem("almalinux", "9.4", undefined), "AlmaLinux:9");
    assert.equal(osEcosystem("rocky", "9.4", undefined), "Rocky Linux:9");
  });

  it("reads the ALAS bulletin page and updateinfo.xml", () => {
    const [kpartx] = store.affected("Amazon Linux:2023", "kpartx");
    assert.equal(kpartx?.advisoryId, "ALAS2023-2023-126");
    assert.deepEqual(kpartx?.ranges, [
      { type: "ECOSYSTEM", events: [{ introduced: "0" }, { fixed: "0.8.7-16.amzn2023.0.1" }] },
    ]);
    assert.deepEqual(store.advisory("ALAS2023-2023-126")?.aliases, [
      "CVE-2022-3787",
      "CVE-2022-41973",
      "CVE-2022-41974",
    ]);
    assert.equal(kpartx?.severity, "important");
    const [kernel] = store.affected("Amazon Linux:2", "kernel");
    assert.equal(kernel?.advisoryId, "ALAS2-2018-939");
    assert.deepEqual(store.advisory("ALAS2-2018-939")?.aliases, ["CVE-2017-5715", "CVE-2017-5754"]);
    assert.equal(store.advisory("ALAS2-2018-1"), undefined, "bug-fix updates are not advisories");
  });

  it("reads Red Hat CSAF fixed products per RHEL major, leaving module streams out", () => {
    const [py] = store.affected("Red Hat:9", "python3.9");
    assert.equal(py?.advisoryId, "RHSA-2024:6163");
    assert.deepEqual(py?.ranges?.[0]?.events, [{ introduced: "0" }, { fixed: "3.9.18-3.el9_4.5" }]);
    const rhsa = store.advisory("RHSA-2024:6163");
    assert.deepEqual(rhsa?.aliases, ["CVE-2024-8088"]);
    assert.ok(rhsa?.severity.some((s) => s.score.startsWith("CVSS:3.1/")));
    assert.equal(store.advisory("RHSA-2023:7025"), undefined, "module-stream-only advisory left out");
    assert.deepEqual(parseProductVersion("openssl-1:3.0.7-18.el9_2.x86_64"), {
      name: "openssl",
      evr: "1:3.0.7-18.el9_2",
      arch: "x86_64",
    });
  });

  it("matches rpm packages by EVR against all four sources", () => {
    const pkgs = [
      rpmPackage("kpartx", "0.8.7-15.amzn2023.0.1", "Amazon Linux:2023", "device-mapper-multipath"),
      rpmPackage("kernel", "4.9.76-2.10.amzn2", "Amazon Linux:2"), // exactly the fix: not affected
      rpmPackage("python3.9", "3.9.18-3.el9_4.4", "Red Hat:9"),
      rpmPackage("avahi", "0.8-19.el9", "AlmaLinux:9"),
      rpmPackage("avahi-libs", "0.8-20.el9", "AlmaLinux:9", "avahi"),
    ];
    const { matches } = matchInventory(pkgs, store);
    const seen = matches.map((m) => `${m.package.name} ${m.vulnerabilityId} ${m.fixedVersion}`).sort();
    assert.deepEqual(seen, [
      "avahi ALSA-2024:2433 0.8-20.el9",
      "kpartx CVE-2022-3787 0.8.7-16.amzn2023.0.1",
      "kpartx CVE-2022-41973 0.8.7-16.amzn2023.0.1",
      "kpartx CVE-2022-41974 0.8.7-16.amzn2023.0.1",
      "python3.9 CVE-2024-8088 3.9.18-3.el9_4.5",
    ]);
  });

  it("fetches updateinfo through each release's mirror list and repomd.xml (local server)", async () => {
    const xml = readFileSync(join(mirror, "amazon/2/updateinfo.xml"));
    const files = new Map<string, Buffer>();
    for (const [release, root] of [
      ["2", "cdn.amazonlinux.com/2/core"],
      ["2023", "cdn.amazonlinux.com/al2023/core"],
    ] as const) {
      const repo = `https://${root}/guids/abc${release}/x86_64/`;
      const list =
        release === "2" ? `/${root}/latest/x86_64/mirror.list` : `/${root}/mirrors/latest/x86_64/mirror.list`;
      files.set(list, Buffer.from(`${repo}\n`));
      files.set(
        `/${root}/guids/abc${release}/x86_64/repodata/repomd.xml`,
        Buffer.from(
          `<repomd><data type="primary"><location href="repodata/p.xml.gz"/></data><data type="updateinfo"><checksum>x</checksum><location href="repodata/u-updateinfo.xml.gz"/></data></repomd>`,
        ),
      );
      // Each release has its own bulletin ids.
      const own = release === "2" ? xml : Buffer.from(xml.toString("utf8").replaceAll("ALAS2-", "ALAS2023-"));
      files.set(`/${root}/guids/abc${release}/x86_64/repodata/u-updateinfo.xml.gz`, gzipSync(own));
    }
    const server = await serveFiles(files);
    const localFetch = server.fetch;
    const fetched = mkdtempSync(join(tmpdir(), "vigil-rpm-fetch-"));
    try {
      const r = await updateAdvisories({ dataDir: fetched, feeds: ["amazon-linux"], fetch: localFetch });
      const feed = r.feeds.find((f) => f.name === "amazon-linux");
      assert.equal(feed?.status, "updated", feed?.error);
      const s2 = openAdvisoryStore(fetched, { readonly: true });
      try {
        assert.equal(s2.affected("Amazon Linux:2", "kernel")[0]?.advisoryId, "ALAS2-2018-939");
        assert.equal(s2.affected("Amazon Linux:2023", "kernel")[0]?.advisoryId, "ALAS2023-2018-939");
      } finally {
        s2.close();
      }
    } finally {
      server.close();
      rmSync(fetched, { recursive: true, force: true });
    }
  });

  it("fetches Red Hat's tar.zst archive named by archive_latest.txt and streams it (local server)", async () => {
    const work = mkdtempSync(join(tmpdir(), "vigil-rh-fetch-"));
    const archive = join(work, "csaf_advisories_2024-09-15.tar.zst");
    execFileSync("bash", [
      "-c",
      `cd "${samples}" && tar -cf - --transform 's,^,2024/,' rhel-csaf-rhsa-2024_6163.json rhel-csaf-rhsa-2023_7025.json | zstd -q -o "${archive}"`,
    ]);
    const files = new Map<string, Buffer>([
      [
        "/security.access.redhat.com/data/csaf/v2/advisories/archive_latest.txt",
        Buffer.from("csaf_advisories_2024-09-15.tar.zst\n"),
      ],
      [
        "/security.access.redhat.com/data/csaf/v2/advisories/csaf_advisories_2024-09-15.tar.zst",
        readFileSync(archive),
      ],
    ]);
    const server = await serveFiles(files);
    const localFetch = server.fetch;
    try {
      const r = await updateAdvisories({
        dataDir: join(work, "data"),
        feeds: ["redhat-csaf"],
        fetch: localFetch,
      });
      const feed = r.feeds.find((f) => f.name === "redhat-csaf");
      assert.equal(feed?.status, "updated", feed?.error);
      assert.equal(feed?.records, 1);
      assert.equal(feed?.skipped, 1, "the module-only advisory");
      const s2 = openAdvisoryStore(join(work, "data"), { readonly: true });
      try {
        assert.equal(s2.affected("Red Hat:9", "python3.9")[0]?.advisoryId, "RHSA-2024:6163");
      } finally {
        s2.close();
      }
    } finally {
      server.close();
      rmSync(work, { recursive: true, force: true });
    }
  });

  it("names a malformed bulletin", async () => {
    const bad = mkdtempSync(join(tmpdir(), "vigil-rpm-bad-"));
    try {
      mkdirSync(join(bad, "amazon/2"), { recursive: true });
      writeFileSync(join(bad, "amazon/2/updateinfo.xml"), "<updates><update type='security'><id>X</id>");
      const r = await updateAdvisories({ dataDir: bad, mirror: bad, feeds: ["amazon-linux"] });
      const feed = r.feeds.find((f) => f.name === "amazon-linux");
      assert.equal(feed?.status, "failed");
      assert.match(feed?.error ?? "", /amazon\/2\/updateinfo\.xml: malformed XML/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});
