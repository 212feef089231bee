import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Advisory, AdvisoryReader, AffectedEntry } from "../../src/advisories/types.js";
import type { Package } from "../../src/extractors/types.js";
import { matchInventory } from "../../src/matching/match.js";

/** A small in-memory advisory set: the rules under test are matching's, not the store's. */
function reader(advisories: Advisory[], entries: AffectedEntry[]): AdvisoryReader {
  return {
    affected: (eco, name) => entries.filter((e) => e.ecosystem === eco && e.packageName === name),
    advisory: (id) => advisories.find((a) => a.id === id),
    kev: () => undefined,
    epss: () => undefined,
    cvss: () => undefined,
  };
}

function advisory(id: string, aliases: string[], extra: Partial<Advisory> = {}): Advisory {
  return {
    id,
    aliases,
    related: [],
    modified: "2024-01-01T00:00:00Z",
    severity: [],
    references: [],
    source: "test",
    ...extra,
  };
}

function fixedAt(advisoryId: string, ecosystem: string, packageName: string, fixed?: string): AffectedEntry {
  const events = fixed ? [{ introduced: "0" }, { fixed }] : [{ introduced: "0" }];
  return { advisoryId, ecosystem, packageName, ranges: [{ type: "ECOSYSTEM", events }] };
}

const deb = (name: string, version: string, source?: { name: string; version?: string }): Package => ({
  name,
  version,
  type: "deb",
  ecosystem: "Debian:11",
  location: "var/lib/dpkg/status",
  extractor: "dpkg",
  ...(source ? { source } : {}),
});

describe("matching", () => {
  it("matches OS packages through their source package and source version", () => {
    const store = reader(
      [advisory("DSA-1-1", ["CVE-2023-0001"])],
      [fixedAt("DSA-1-1", "Debian:11", "openssl", "1.1.1n-0+deb11u4")],
    );
    // Binary libssl1.1 built from openssl; a binNMU-style binary version must not be used.
    const pkgs = [deb("libssl1.1", "1.1.1n-0+deb11u3+b1", { name: "openssl", version: "1.1.1n-0+deb11u3" })];
    const { matches } = matchInventory(pkgs, store);
    assert.equal(matches.length, 1);
    assert.equal(matches[0]!.vulnerabilityId, "CVE-2023-0001");
    assert.deepEqual(matches[0]!.related, ["DSA-1-1"]);
    assert.equal(matches[0]!.fixedVersion, "1.1.1n-0+deb11u4");
    assert.equal(matches[0]!.evidence[0]!.viaSource, true);
    const fixed = [deb("libssl1.1", "1.1.1n-0+deb11u4", { name: "openssl" })];
    assert.equal(matchInventory(fixed, store).matches.length, 0);
  });

  it("splits a multi-CVE advisory into one match per CVE and merges the same CVE across feeds", () => {
    const store = reader(
      [
        advisory("DSA-2-1", ["CVE-2023-0002", "CVE-2023-0003"]),
        advisory("CVE-2023-0002", [], { source: "debian-tracker" }),
      ],
      [
        fixedAt("DSA-2-1", "Debian:11", "curl", "7.74.0-1.3+deb11u7"),
        fixedAt("CVE-2023-0002", "Debian:11", "curl", "7.74.0-1.3+deb11u7"),
      ],
    );
    const { matches } = matchInventory([deb("curl", "7.74.0-1.3+deb11u1")], store);
    assert.deepEqual(
      matches.map((m) => [m.vulnerabilityId, m.related, m.evidence.length]),
      [
        ["CVE-2023-0002", ["DSA-2-1"], 2],
        ["CVE-2023-0003", ["DSA-2-1"], 1],
      ],
    );
  });

  it("reports unfixed advisories without a fixed version, and PARTIAL when only some evidence has a fix", () => {
    const store = reader(
      [advisory("CVE-2023-0004", [], { source: "debian-tracker" }), advisory("DSA-4-1", ["CVE-2023-0004"])],
      [
        fixedAt("CVE-2023-0004", "Debian:11", "zlib"),
        fixedAt("DSA-4-1", "Debian:11", "zlib", "1:1.2.11.dfsg-2+deb11u3"),
      ],
    );
    const [m] = matchInventory([deb("zlib1g", "1:1.2.11.dfsg-2+deb11u2", { name: "zlib" })], store).matches;
    assert.equal(m?.fixedVersion, "1:1.2.11.dfsg-2+deb11u3");
    assert.equal(m?.partialFix, true);
    const unfixed = reader([advisory("CVE-2023-0005", [])], [fixedAt("CVE-2023-0005", "Debian:11", "zlib")]);
    const [u] = matchInventory([deb("zlib1g", "1:1.2.13", { name: "zlib" })], unfixed).matches;
    assert.equal(u?.fixedVersion, undefined);
    assert.equal(u?.partialFix, false);
  });

  it("never matches withdrawn advisories", () => {
    const store = reader(
      [advisory("GHSA-xxxx-yyyy-zzzz", [], { withdrawn: "2024-02-01T00:00:00Z" })],
      [fixedAt("GHSA-xxxx-yyyy-zzzz", "npm", "lodash", "4.17.21")],
    );
    const pkg: Package = {
      name: "lodash",
      version: "4.17.20",
      type: "npm",
      ecosystem: "npm",
      location: "package-lock.json",
      extractor: "package-lock",
    };
    assert.equal(matchInventory([pkg], store).matches.length, 0);
  });

  it("merges CVE-less advisories that share an alias, naming them by the GHSA id", () => {
    const store = reader(
      [advisory("GO-2024-0001", ["GHSA-aaaa-bbbb-cccc"]), advisory("GHSA-aaaa-bbbb-cccc", ["GO-2024-0001"])],
      [
        fixedAt("GO-2024-0001", "Go", "example.com/mod", "1.2.0"),
        fixedAt("GHSA-aaaa-bbbb-cccc", "Go", "example.com/mod", "1.2.0"),
      ],
    );
    const pkg: Package = {
      name: "example.com/mod",
      version: "v1.1.0",
      type: "golang",
      ecosystem: "Go",
      location: "bin/app",
      extractor: "go-binary",
    };
    const { matches } = matchInventory([pkg], store);
    assert.deepEqual(
      matches.map((m) => [m.vulnerabilityId, m.related]),
      [["GHSA-aaaa-bbbb-cccc", ["GO-2024-0001"]]],
    );
  });

  it("counts packages it cannot match (no ecosystem or no version scheme)", () => {
    const store = reader([], []);
    const pkgs: Package[] = [
      { name: "x", version: "1", type: "deb", location: "s", extractor: "dpkg" },
      { name: "y", version: "1", type: "deb", ecosystem: "Plan9:4", location: "s", extractor: "dpkg" },
    ];
    assert.equal(matchInventory(pkgs, store).stats.unmatchable, 2);
  });
});
