import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { osFamily, remediationCommand, shellQuote } from "../../src/findings/remediation.js";

const pkg = (packageManager: string, name: string, fixedInVersion: string, extra: object = {}) => ({
  name,
  version: "0.0.1",
  fixedInVersion,
  packageManager,
  ...extra,
});

/** What a POSIX shell makes of a command line: its words, NUL-separated via printf. */
function shellWords(commandLine: string): string[] {
  const out = execFileSync("/bin/sh", ["-c", `set -- ${commandLine}; printf '%s\\0' "$@"`], {
    encoding: "utf8",
  });
  return out.split("\0").slice(0, -1);
}

describe("remediationCommand", () => {
  it("apt for Debian and Ubuntu packages, with the full dpkg version", () => {
    const r = remediationCommand(
      pkg("OS", "openssl", "3.0.11-1~deb12u2", { epoch: 0, release: "1~deb12u1" }),
      "Debian GNU/Linux 12 (bookworm)",
    );
    assert.equal(r?.manager, "apt");
    assert.equal(r?.command, "sudo apt-get install --only-upgrade 'openssl=3.0.11-1~deb12u2'");
    assert.equal(remediationCommand(pkg("OS", "bash", "5.1-2ubuntu3.6"), { id: "ubuntu" })?.manager, "apt");
  });

  it("adds the installed epoch to a dpkg fixed version that lacks one, and keeps one it has", () => {
    const r = remediationCommand(pkg("OS", "libc-bin", "2.36-9+deb12u4", { epoch: 1 }), "debian");
    assert.equal(r?.command, "sudo apt-get install --only-upgrade libc-bin=1:2.36-9+deb12u4");
    const kept = remediationCommand(pkg("OS", "tar", "2:1.34+dfsg-1.2", { epoch: 1 }), "DEBIAN_12");
    assert.equal(kept?.command, "sudo apt-get install --only-upgrade tar=2:1.34+dfsg-1.2");
    const none = remediationCommand(pkg("OS", "zlib1g", "1:1.2.13.dfsg-1", { epoch: 0 }), "debian");
    assert.equal(none?.command, "sudo apt-get install --only-upgrade zlib1g=1:1.2.13.dfsg-1");
  });

  it("dnf for current RPM distributions, yum for Amazon Linux 2 and the 7 family", () => {
    const rhel9 = remediationCommand(
      pkg("OS", "openssl-libs", "1:3.0.7-27.el9", { epoch: 1, release: "24.el9" }),
      "Red Hat Enterprise Linux 9.4 (Plow)",
    );
    assert.deepEqual(
      { command: rhel9?.command, manager: rhel9?.manager },
      { command: "sudo dnf upgrade openssl-libs-1:3.0.7-27.el9", manager: "dnf" },
    );
    const zero = remediationCommand(pkg("OS", "curl", "0:7.76.1-29.el9_4", { epoch: 0 }), { id: "rocky" });
    assert.equal(zero?.command, "sudo dnf upgrade curl-7.76.1-29.el9_4");
    const al2 = remediationCommand(pkg("OS", "glibc", "2.26-64.amzn2.0.2", { epoch: 0 }), "Amazon Linux 2");
    assert.equal(al2?.command, "sudo yum update glibc-2.26-64.amzn2.0.2");
    assert.equal(remediationCommand(pkg("OS", "glibc", "2.34-1"), "Amazon Linux 2023")?.manager, "dnf");
    assert.equal(remediationCommand(pkg("OS", "glibc", "2.17-326"), "CentOS Linux 7 (Core)")?.manager, "yum");
    assert.equal(remediationCommand(pkg("OS", "glibc", "2.28-1"), "Oracle Linux Server 8.7")?.manager, "dnf");
    assert.equal(remediationCommand(pkg("RPM", "glibc", "2.28-1"))?.manager, "dnf");
    const epochAdded = remediationCommand(pkg("OS", "openssl", "3.0.7-28.el9", { epoch: 1 }), "almalinux");
    assert.equal(epochAdded?.command, "sudo dnf upgrade openssl-1:3.0.7-28.el9");
  });

  it("zypper for SUSE", () => {
    const r = remediationCommand(
      pkg("OS", "libopenssl3", "3.1.4-150600.5.3.1"),
      "SUSE Linux Enterprise Server 15 SP6",
    );
    assert.equal(r?.manager, "zypper");
    assert.equal(r?.command, "sudo zypper install 'libopenssl3>=3.1.4-150600.5.3.1'");
  });

  it("apk for Alpine", () => {
    const r = remediationCommand(pkg("OS", "busybox", "1.36.1-r7"), "Alpine Linux v3.19");
    assert.deepEqual(
      { command: r?.command, manager: r?.manager },
      { command: "apk add --upgrade 'busybox>=1.36.1-r7'", manager: "apk" },
    );
    assert.equal(remediationCommand(pkg("APK", "musl", "1.2.4-r3"))?.manager, "apk");
  });

  it("tells OS package formats apart by where they were found when the OS is not known", () => {
    const deb = { filePath: "var/lib/dpkg/status" };
    assert.equal(remediationCommand(pkg("OS", "bash", "5.2.15-2+b7", deb))?.manager, "apt");
    const apk = { filePath: "lib/apk/db/installed" };
    assert.equal(remediationCommand(pkg("OS", "musl", "1.2.4-r3", apk))?.manager, "apk");
    const rpm = { filePath: "usr/lib/sysimage/rpm/rpmdb.sqlite" };
    assert.equal(remediationCommand(pkg("OS", "curl", "8.0-1", rpm))?.manager, "dnf");
    assert.equal(remediationCommand(pkg("OS", "mystery", "1.0")), undefined);
    assert.equal(remediationCommand(pkg("OS", "mystery", "1.0"), "Plan 9"), undefined);
  });

  it("npm and yarn", () => {
    assert.deepEqual(remediationCommand(pkg("NPM", "lodash", "4.17.21")), {
      command: "npm install lodash@4.17.21",
      manager: "npm",
    });
    assert.equal(
      remediationCommand(pkg("NODEPKG", "@babel/traverse", "7.23.2"))?.command,
      "npm install @babel/traverse@7.23.2",
    );
    assert.equal(remediationCommand(pkg("YARN", "minimist", "1.2.6"))?.command, "yarn add minimist@1.2.6");
  });

  it("pip, poetry and pipenv", () => {
    assert.deepEqual(remediationCommand(pkg("PYTHONPKG", "Jinja2", "3.1.3")), {
      command: "pip install 'Jinja2>=3.1.3'",
      manager: "pip",
    });
    assert.equal(
      remediationCommand(pkg("PYPI", "urllib3", "2.0.7"))?.command,
      "pip install 'urllib3>=2.0.7'",
    );
    assert.equal(remediationCommand(pkg("PIP", "idna", "3.7"))?.manager, "pip");
    assert.equal(
      remediationCommand(pkg("POETRY", "requests", "2.32.0"))?.command,
      "poetry add 'requests>=2.32.0'",
    );
    assert.equal(
      remediationCommand(pkg("PIPENV", "certifi", "2024.7.4"))?.command,
      "pipenv install 'certifi>=2024.7.4'",
    );
  });

  it("go get with a v-prefixed version, once", () => {
    const r = remediationCommand(pkg("GOMOD", "golang.org/x/net", "0.23.0"));
    assert.equal(r?.command, "go get golang.org/x/net@v0.23.0 && go mod tidy");
    assert.equal(r?.manager, "go");
    const v = remediationCommand(pkg("GOBINARY", "github.com/gin-gonic/gin", "v1.9.1"));
    assert.equal(v?.command, "go get github.com/gin-gonic/gin@v1.9.1 && go mod tidy");
    assert.match(v?.note ?? "", /rebuild/);
  });

  it("the Go standard library: upgrade the toolchain", () => {
    const r = remediationCommand(pkg("GOBINARY", "stdlib", "1.22.5"));
    assert.equal(r?.command, "upgrade the Go toolchain to go1.22.5 and rebuild");
    assert.equal(r?.manager, "go");
    assert.equal(
      remediationCommand(pkg("GOBINARY", "stdlib", "v1.21.11"))?.command,
      "upgrade the Go toolchain to go1.21.11 and rebuild",
    );
  });

  it("cargo, gem, bundler", () => {
    assert.deepEqual(remediationCommand(pkg("CARGO", "openssl", "0.10.66")), {
      command: "cargo update -p openssl --precise 0.10.66",
      manager: "cargo",
    });
    assert.deepEqual(remediationCommand(pkg("GEMSPEC", "rack", "2.2.8.1")), {
      command: "gem install rack -v 2.2.8.1",
      manager: "gem",
    });
    const b = remediationCommand(pkg("BUNDLER", "nokogiri", "1.16.5"));
    assert.equal(b?.command, "bundle update --conservative nokogiri");
    assert.equal(b?.manager, "bundler");
    assert.match(b?.note ?? "", /1\.16\.5/);
  });

  it("maven with group:artifact coordinates", () => {
    const r = remediationCommand(pkg("JAR", "org.apache.logging.log4j:log4j-core", "2.17.1"));
    assert.equal(
      r?.command,
      "mvn versions:use-dep-version -Dincludes=org.apache.logging.log4j:log4j-core -DdepVersion=2.17.1 -DforceVersion=true",
    );
    assert.equal(r?.manager, "maven");
    assert.match(r?.note ?? "", /<version>2\.17\.1<\/version>/);
    const bare = remediationCommand(pkg("POM", "snakeyaml", "2.0"));
    assert.equal(
      bare?.command,
      "mvn versions:use-dep-version '-Dincludes=*:snakeyaml' -DdepVersion=2.0 -DforceVersion=true",
    );
  });

  it("nuget and composer", () => {
    assert.deepEqual(remediationCommand(pkg("NUGET", "Newtonsoft.Json", "13.0.1")), {
      command: "dotnet add package Newtonsoft.Json --version 13.0.1",
      manager: "nuget",
    });
    assert.equal(remediationCommand(pkg("DOTNET_CORE", "System.Text.Json", "8.0.4"))?.manager, "nuget");
    assert.deepEqual(remediationCommand(pkg("COMPOSER", "guzzlehttp/guzzle", "7.4.5")), {
      command: "composer update guzzlehttp/guzzle --with guzzlehttp/guzzle:7.4.5",
      manager: "composer",
    });
  });

  it("no command without a fixed version", () => {
    assert.equal(remediationCommand(pkg("NPM", "left-pad", "NotAvailable")), undefined);
    assert.equal(remediationCommand(pkg("NPM", "left-pad", "")), undefined);
    assert.equal(remediationCommand({ name: "x", version: "1", packageManager: "NPM" }), undefined);
  });

  it("no command for an unknown package manager or a name that reads as an option", () => {
    assert.equal(remediationCommand(pkg("CONDA", "numpy", "1.22.0")), undefined);
    assert.equal(remediationCommand({ name: "x", version: "1", fixedInVersion: "2" }), undefined);
    assert.equal(remediationCommand(pkg("NPM", "--global", "1.0.0")), undefined);
    assert.equal(remediationCommand(pkg("NPM", "x", "-1")), undefined);
  });

  it("quotes shell-unsafe names so the shell sees exactly one argument", () => {
    const hostile = "evil; rm -rf / #";
    const r = remediationCommand(pkg("NPM", hostile, "1.0.0"));
    assert.equal(r?.command, "npm install 'evil; rm -rf / #@1.0.0'");
    assert.deepEqual(shellWords(r!.command), ["npm", "install", `${hostile}@1.0.0`]);

    const quote = "it's$(id)`x`";
    const c = remediationCommand(pkg("CARGO", quote, "1.0.0"));
    assert.deepEqual(shellWords(c!.command), ["cargo", "update", "-p", quote, "--precise", "1.0.0"]);

    const deb = remediationCommand(pkg("OS", "a b", "1.0~rc1-1"), "debian");
    assert.deepEqual(shellWords(deb!.command), [
      "sudo",
      "apt-get",
      "install",
      "--only-upgrade",
      "a b=1.0~rc1-1",
    ]);

    const newline = remediationCommand(pkg("PYTHONPKG", "x\nreboot", "1.0"));
    assert.deepEqual(shellWords(newline!.command), ["pip", "install", "x\nreboot>=1.0"]);
  });
});

describe("shellQuote", () => {
  it("leaves plainly safe words alone and single-quotes the rest", () => {
    assert.equal(shellQuote("golang.org/x/net@v0.23.0"), "golang.org/x/net@v0.23.0");
    assert.equal(shellQuote(""), "''");
    assert.equal(shellQuote("a'b"), "'a'\\''b'");
    assert.equal(shellQuote("~root"), "'~root'");
    assert.equal(shellQuote("*"), "'*'");
  });
});

describe("osFamily", () => {
  it("reads platform strings, os-release ids and inspector2 platform names", () => {
    assert.equal(osFamily("Ubuntu 22.04.4 LTS"), "deb");
    assert.equal(osFamily("DEBIAN_12"), "deb");
    assert.equal(osFamily({ id: "alpine", versionId: "3.19.1" }), "apk");
    assert.equal(osFamily("AMAZON_LINUX_2"), "rpm-yum");
    assert.equal(osFamily({ id: "amzn", versionId: "2023" }), "rpm-dnf");
    assert.equal(osFamily({ id: "rhel", versionId: "7.9" }), "rpm-yum");
    assert.equal(osFamily({ id: "rhel", versionId: "8.10" }), "rpm-dnf");
    assert.equal(osFamily("Fedora Linux 40"), "rpm-dnf");
    assert.equal(osFamily(undefined), undefined);
    assert.equal(osFamily("windows"), undefined);
  });
});
