/**
 * The command that installs the fixed version of a vulnerable package, for the package manager
 * that installed it. Shared by the web console (finding detail: "copy the fix") and anything
 * else that wants to show one; pure and dependency-free so it runs in the browser and under node.
 *
 * Every name and version is quoted for a POSIX shell when it holds anything but plainly safe
 * characters, so a hostile package name can never turn the copied command into another command.
 */

/** The members of a finding's `vulnerablePackages[]` entry this needs. */
export interface RemediationPackage {
  name: string;
  version: string;
  fixedInVersion?: string | undefined;
  /** inspector2's PackageManager (`OS`, `NPM`, `PYTHONPKG`, `GOBINARY`, `JAR`, …). */
  packageManager?: string | undefined;
  epoch?: number | undefined;
  release?: string | undefined;
  /** Where the package was found (`var/lib/dpkg/status`, …): tells OS package formats apart. */
  filePath?: string | undefined;
}

/**
 * The operating system of the resource: a platform string as findings carry it ("Debian GNU/Linux
 * 12 (bookworm)", "AMAZON_LINUX_2"), an os-release id ("alpine"), or os-release facts.
 */
export type RemediationOs = string | { id: string; versionId?: string | undefined; prettyName?: string };

export interface Remediation {
  /** What to run (or, for the Go standard library, what to do). */
  command: string;
  /** apt, dnf, yum, zypper, apk, npm, yarn, pip, poetry, pipenv, go, cargo, gem, bundler, maven, nuget, composer. */
  manager: string;
  /** Something to know before running it, when there is one. */
  note?: string;
}

const SAFE = /^[A-Za-z0-9@%+=:,./_-]+$/;

/** `value` as one word of a POSIX shell command line. */
export function shellQuote(value: string): string {
  if (value !== "" && SAFE.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Fixed versions that are not versions (inspector2 writes "NotAvailable" when there is no fix). */
function fixedVersion(pkg: RemediationPackage): string | undefined {
  const v = pkg.fixedInVersion?.trim();
  if (!v || /^(notavailable|none|n\/a|unknown)$/i.test(v)) return undefined;
  return v;
}

type OsFamily = "deb" | "rpm-dnf" | "rpm-yum" | "rpm-zypper" | "apk";

/** The package format of an operating system, from whatever description of it we have. */
export function osFamily(os: RemediationOs | undefined): OsFamily | undefined {
  if (os === undefined) return undefined;
  const text = (typeof os === "string" ? os : `${os.id} ${os.versionId ?? ""} ${os.prettyName ?? ""}`)
    .toLowerCase()
    .replace(/_/g, " ");
  if (/\b(debian|ubuntu|raspbian|linuxmint|kali|devuan|distroless)\b/.test(text)) return "deb";
  if (/\b(alpine|wolfi|chainguard)\b/.test(text)) return "apk";
  if (/\b(sles|suse|opensuse)\b/.test(text)) return "rpm-zypper";
  // yum is the tool of Amazon Linux 2 and of the version 7 family; dnf of everything newer.
  if (/\b(amzn|amazon)\b/.test(text)) return /\b2023\b/.test(text) ? "rpm-dnf" : "rpm-yum";
  if (
    /\b(centos|rhel|red hat|redhat|oracle|ol|rocky|almalinux|alma|fedora|cbl-mariner|mariner)\b/.test(text)
  ) {
    const major = Number(/\d+/.exec(text)?.[0] ?? "0");
    return (major === 6 || major === 7) && !/\bfedora\b/.test(text) ? "rpm-yum" : "rpm-dnf";
  }
  return undefined;
}

/** An OS package's format from where it was found, when the OS is not known. */
function familyFromPath(filePath: string | undefined): OsFamily | undefined {
  if (!filePath) return undefined;
  if (/(^|\/)var\/lib\/dpkg\//.test(filePath)) return "deb";
  if (/(^|\/)lib\/apk\/db\//.test(filePath)) return "apk";
  if (/(^|\/)(var\/lib\/rpm|usr\/lib\/sysimage\/rpm)\//.test(filePath)) return "rpm-dnf";
  return undefined;
}

/** A dpkg version with the installed package's epoch when the fixed version does not name one. */
function debVersion(fixed: string, epoch: number | undefined): string {
  if (/^\d+:/.test(fixed) || !epoch) return fixed;
  return `${epoch}:${fixed}`;
}

/** An rpm EVR without the default "0:" epoch (dnf and yum accept name-[epoch:]version-release). */
function rpmVersion(fixed: string, epoch: number | undefined): string {
  if (/^0:/.test(fixed)) return fixed.slice(2);
  if (/^\d+:/.test(fixed) || !epoch) return fixed;
  return `${epoch}:${fixed}`;
}

function osCommand(pkg: RemediationPackage, fixed: string, family: OsFamily): Remediation {
  const q = shellQuote;
  switch (family) {
    case "deb":
      return {
        command: `sudo apt-get install --only-upgrade ${q(`${pkg.name}=${debVersion(fixed, pkg.epoch)}`)}`,
        manager: "apt",
        note: "Run sudo apt-get update first so the fixed version is known to apt.",
      };
    case "apk":
      return { command: `apk add --upgrade ${q(`${pkg.name}>=${fixed}`)}`, manager: "apk" };
    case "rpm-yum":
      return {
        command: `sudo yum update ${q(`${pkg.name}-${rpmVersion(fixed, pkg.epoch)}`)}`,
        manager: "yum",
      };
    case "rpm-zypper":
      return {
        command: `sudo zypper install ${q(`${pkg.name}>=${rpmVersion(fixed, pkg.epoch)}`)}`,
        manager: "zypper",
      };
    case "rpm-dnf":
      return {
        command: `sudo dnf upgrade ${q(`${pkg.name}-${rpmVersion(fixed, pkg.epoch)}`)}`,
        manager: "dnf",
      };
  }
}

/** A Go module version: always with its leading "v". */
const goVersion = (v: string) => (v.startsWith("v") ? v : `v${v}`);

/** A Go toolchain name ("go1.22.5") from a stdlib version ("1.22.5", "v1.22.5" or "go1.22.5"). */
const goToolchain = (v: string) => (v.startsWith("go") ? v : `go${v.replace(/^v/, "")}`);

/**
 * The command that moves `pkg` to its fixed version, or undefined when there is no fixed version,
 * the package manager is not one we know, or (for OS packages) the OS cannot be told.
 */
export function remediationCommand(pkg: RemediationPackage, os?: RemediationOs): Remediation | undefined {
  const fixed = fixedVersion(pkg);
  if (fixed === undefined) return undefined;
  // A leading "-" would read as an option whatever the quoting; no real package is named so.
  if (pkg.name === "" || pkg.name.startsWith("-") || fixed.startsWith("-")) return undefined;
  const q = shellQuote;
  const name = pkg.name;
  switch ((pkg.packageManager ?? "").toUpperCase()) {
    case "OS": {
      const family = osFamily(os) ?? familyFromPath(pkg.filePath);
      return family ? osCommand(pkg, fixed, family) : undefined;
    }
    case "DEB":
    case "DPKG":
      return osCommand(pkg, fixed, "deb");
    case "RPM": {
      const family = osFamily(os);
      return osCommand(pkg, fixed, family?.startsWith("rpm-") ? family : "rpm-dnf");
    }
    case "APK":
      return osCommand(pkg, fixed, "apk");
    case "NPM":
    case "NODEPKG":
      return { command: `npm install ${q(`${name}@${fixed}`)}`, manager: "npm" };
    case "YARN":
      return { command: `yarn add ${q(`${name}@${fixed}`)}`, manager: "yarn" };
    case "PYTHONPKG":
    case "PYPI":
    case "PIP":
      return { command: `pip install ${q(`${name}>=${fixed}`)}`, manager: "pip" };
    case "POETRY":
      return { command: `poetry add ${q(`${name}>=${fixed}`)}`, manager: "poetry" };
    case "PIPENV":
      return { command: `pipenv install ${q(`${name}>=${fixed}`)}`, manager: "pipenv" };
    case "GOBINARY":
    case "GOMOD": {
      if (name === "stdlib" || name === "go" || name === "toolchain") {
        return {
          command: `upgrade the Go toolchain to ${goToolchain(fixed)} and rebuild`,
          manager: "go",
          note: `In the module's directory: go get ${q(`toolchain@${goToolchain(fixed)}`)}, then rebuild.`,
        };
      }
      return {
        command: `go get ${q(`${name}@${goVersion(fixed)}`)} && go mod tidy`,
        manager: "go",
        ...(pkg.packageManager?.toUpperCase() === "GOBINARY"
          ? { note: "Run it in the module that builds this binary, then rebuild and redeploy the binary." }
          : {}),
      };
    }
    case "CARGO":
      return { command: `cargo update -p ${q(name)} --precise ${q(fixed)}`, manager: "cargo" };
    case "GEMSPEC":
      return { command: `gem install ${q(name)} -v ${q(fixed)}`, manager: "gem" };
    case "BUNDLER":
      return {
        command: `bundle update --conservative ${q(name)}`,
        manager: "bundler",
        note: `Check that Gemfile.lock then has ${name} ${fixed} or later; widen the Gemfile constraint if not.`,
      };
    case "JAR":
    case "POM":
    case "MAVEN": {
      const coordinates = name.includes(":") ? name : `*:${name}`;
      return {
        command: `mvn versions:use-dep-version ${q(`-Dincludes=${coordinates}`)} ${q(`-DdepVersion=${fixed}`)} -DforceVersion=true`,
        manager: "maven",
        note: `Or set <version>${fixed}</version> on the ${name} <dependency> in pom.xml.`,
      };
    }
    case "NUGET":
    case "DOTNET_CORE":
      return { command: `dotnet add package ${q(name)} --version ${q(fixed)}`, manager: "nuget" };
    case "COMPOSER":
      return { command: `composer update ${q(name)} --with ${q(`${name}:${fixed}`)}`, manager: "composer" };
    default:
      return undefined;
  }
}
