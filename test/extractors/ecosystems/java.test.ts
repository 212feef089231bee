/**
 * Java archives: Debian's real jars (/usr/share/java) against what Python's zipfile reads from
 * their pom.properties, a war nesting them, and bad archives.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { inventory } from "../../../src/extractors/inventory.js";
import { coordinatesFromFileName, parseManifest } from "../../../src/extractors/java/jar.js";
import { DirectoryTree } from "../../../src/sources/directory.js";
import { cacheDir } from "../../support/fixtures.js";

const JAVA = "/usr/share/java";

/** group:artifact@version of every pom.properties in each real jar file, by file name. */
function truth(): Map<string, string[]> {
  const out = execFileSync(
    "python3",
    [
      "-c",
      `import os, sys, zipfile
d = sys.argv[1]
for f in sorted(os.listdir(d)):
    p = os.path.join(d, f)
    if not f.endswith(".jar") or os.path.islink(p) or not os.path.isfile(p):
        continue
    found = []
    with zipfile.ZipFile(p) as z:
        for n in z.namelist():
            if n.startswith("META-INF/maven/") and n.endswith("/pom.properties"):
                props = {}
                for line in z.read(n).decode("utf8", "replace").splitlines():
                    line = line.strip()
                    if line and not line.startswith("#") and "=" in line:
                        k, v = line.split("=", 1)
                        props[k.strip()] = v.strip()
                if "artifactId" in props and "version" in props:
                    found.append(props.get("groupId", "") + ":" + props["artifactId"] + "@" + props["version"])
    print(f + "\\t" + ",".join(sorted(set(found))))`,
      JAVA,
    ],
    { encoding: "utf8" },
  );
  const m = new Map<string, string[]>();
  for (const line of out.trim().split("\n")) {
    const [f, list] = line.split("\t");
    m.set(f!, list ? list.split(",") : []);
  }
  return m;
}

describe("Java archives", () => {
  it("reads every pom.properties of Debian's jars, as zipfile does", async () => {
    const expected = truth();
    const withPom = [...expected.values()].filter((l) => l.length > 0).length;
    assert.ok(withPom >= 10, `only ${withPom} jars with pom.properties`);
    const inv = await inventory(new DirectoryTree(JAVA));
    assert.deepEqual(inv.warnings, []);
    for (const [file, list] of expected) {
      const ours = inv.packages.filter(
        (p) => p.location === file && p.metadata?.["from"] === "pom.properties",
      );
      assert.deepEqual(ours.map((p) => `${p.name}@${p.version}`).sort(), list, file);
    }
    // Jars without Maven metadata but with a versioned file name still give a package; one with
    // no version anywhere (Debian's gettext.jar) gives none rather than a guess.
    for (const [file, list] of expected) {
      if (list.length > 0 || !/-\d/.test(file)) continue;
      assert.ok(
        inv.packages.some((p) => p.location === file),
        `${file} gave no package`,
      );
    }
    assert.equal(inv.packages.filter((p) => p.location === "gettext.jar").length, 0);
  });

  it("finds jars nested in a war nested in an ear, with the path to each", async () => {
    const dir = join(cacheDir, "java-nested");
    mkdirSync(join(dir, "dist"), { recursive: true });
    execFileSync("python3", [
      "-c",
      `import sys, zipfile
d, src = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(d + "/dist/app.war", "w") as w:
    w.write(src + "/commons-io-2.11.0.jar", "WEB-INF/lib/commons-io-2.11.0.jar")
    w.write(src + "/commons-lang3-3.12.0.jar", "WEB-INF/lib/commons-lang3-3.12.0.jar")
    w.writestr("WEB-INF/web.xml", "<web-app/>")
with zipfile.ZipFile(d + "/app.ear", "w") as e:
    e.write(d + "/dist/app.war", "app.war")
`,
      dir,
      JAVA,
    ]);
    const inv = await inventory(new DirectoryTree(dir));
    const ear = inv.packages.filter((p) => p.location.startsWith("app.ear!/"));
    assert.deepEqual(ear.map((p) => `${p.location} ${p.name}@${p.version}`).sort(), [
      "app.ear!/app.war!/WEB-INF/lib/commons-io-2.11.0.jar commons-io:commons-io@2.11.0",
      "app.ear!/app.war!/WEB-INF/lib/commons-lang3-3.12.0.jar org.apache.commons:commons-lang3@3.12.0",
    ]);
    assert.ok(ear.every((p) => p.type === "maven" && p.ecosystem === "Maven"));
  });

  it("refuses a compression bomb and a corrupt archive, naming the entry and the reason", async () => {
    const dir = join(cacheDir, "java-bad");
    mkdirSync(dir, { recursive: true });
    execFileSync("python3", [
      "-c",
      `import sys, zipfile
d = sys.argv[1]
with zipfile.ZipFile(d + "/bomb.jar", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("META-INF/maven/x/y/pom.properties", "artifactId=y\\nversion=1\\n")
    z.writestr("lib/inner.jar", b"\\0" * (100 << 20))
`,
      dir,
    ]);
    writeFileSync(
      join(dir, "corrupt.jar"),
      Buffer.concat([Buffer.from("PK\u0003\u0004"), Buffer.alloc(200, 7)]),
    );
    const inv = await inventory(new DirectoryTree(dir));
    const reasons = Object.fromEntries(inv.warnings.map((w) => [w.path, w.reason]));
    assert.match(reasons["bomb.jar"] ?? "", /entry lib\/inner\.jar is \d+ bytes, over the \d+-byte limit/);
    assert.match(reasons["corrupt.jar"] ?? "", /not a readable zip archive/);
  });

  it("manifest and file-name fallbacks", () => {
    assert.deepEqual(
      parseManifest(
        "Manifest-Version: 1.0\r\nImplementation-Title: a very long title that\r\n  continues\r\n\r\nName: x\r\nFoo: 1\r\n",
      ),
      {
        "Manifest-Version": "1.0",
        "Implementation-Title": "a very long title that continues",
      },
    );
    assert.deepEqual(coordinatesFromFileName("guava-32.1.2-jre.jar"), {
      artifactId: "guava",
      version: "32.1.2-jre",
    });
    assert.equal(coordinatesFromFileName("app.jar"), undefined);
  });
});
