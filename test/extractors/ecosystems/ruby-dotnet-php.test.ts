import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { parseDepsJson, parsePackagesLock } from "../../../src/extractors/dotnet/index.js";
import { inventory } from "../../../src/extractors/inventory.js";
import { parseComposerInstalled, parseComposerLock } from "../../../src/extractors/php/index.js";
import { parseGemfileLock, parseGemspec } from "../../../src/extractors/ruby/index.js";
import { DirectoryTree } from "../../../src/sources/directory.js";

const keys = (pkgs: { name: string; version: string }[]) => pkgs.map((p) => `${p.name}@${p.version}`).sort();

describe("Ruby", () => {
  it("installed gem specifications match what RubyGems itself loads", async () => {
    const dir = "/usr/share/rubygems-integration/all/specifications";
    const truth = execFileSync(
      "/usr/bin/ruby",
      [
        "-e",
        `Dir[ARGV[0] + "/*.gemspec"].sort.each { |f| s = Gem::Specification.load(f); puts "#{s.name}@#{s.version}" }`,
        dir,
      ],
      { encoding: "utf8" },
    )
      .trim()
      .split("\n")
      .sort();
    assert.ok(truth.length >= 3, truth.join(" "));
    const inv = await inventory(new DirectoryTree("/usr/share/rubygems-integration/all"));
    assert.deepEqual(keys(inv.packages.filter((p) => p.type === "gem")), truth);
    assert.deepEqual(inv.warnings, []);
  });

  it("Gemfile.lock: GEM specs with platforms; GIT/PATH gems and dependency lines left out", () => {
    const lock = `GIT
  remote: https://github.com/example/private.git
  revision: abc
  specs:
    private (0.1.0)

GEM
  remote: https://rubygems.org/
  specs:
    actionpack (7.0.8)
      rack (~> 2.0, >= 2.2.4)
    nokogiri (1.15.4-x86_64-linux)
      racc (~> 1.4)
    rack (2.2.8)
    racc (1.7.1)

PLATFORMS
  x86_64-linux

DEPENDENCIES
  actionpack
  nokogiri

BUNDLED WITH
   2.4.19
`;
    assert.deepEqual(keys(parseGemfileLock(lock, "Gemfile.lock")), [
      "actionpack@7.0.8",
      "nokogiri@1.15.4",
      "racc@1.7.1",
      "rack@2.2.8",
    ]);
    assert.throws(() => parseGemspec("Gem::Specification.new do |s|\nend\n", "x.gemspec"), /no name/);
  });
});

describe(".NET", () => {
  it("deps.json libraries of type package, and packages.lock.json across frameworks", () => {
    const deps = JSON.stringify({
      runtimeTarget: { name: ".NETCoreApp,Version=v8.0" },
      libraries: {
        "MyApp/1.0.0": { type: "project", serviceable: false, sha512: "" },
        "Newtonsoft.Json/13.0.1": {
          type: "package",
          serviceable: true,
          sha512: "sha512-x",
          path: "newtonsoft.json/13.0.1",
        },
        "System.Text.Json/6.0.0": { type: "package", serviceable: true },
      },
    });
    assert.deepEqual(keys(parseDepsJson(deps, "MyApp.deps.json")), [
      "Newtonsoft.Json@13.0.1",
      "System.Text.Json@6.0.0",
    ]);
    const lock = JSON.stringify({
      version: 1,
      dependencies: {
        "net6.0": {
          Serilog: { type: "Direct", requested: "[2.12.0, )", resolved: "2.12.0", contentHash: "x" },
          Lib: { type: "Project" },
        },
        "net8.0": {
          Serilog: { type: "Direct", resolved: "2.12.0" },
          Polly: { type: "Transitive", resolved: "7.2.4" },
        },
      },
    });
    assert.deepEqual(keys(parsePackagesLock(lock, "packages.lock.json")), ["Polly@7.2.4", "Serilog@2.12.0"]);
    assert.throws(() => parseDepsJson("{", "x.deps.json"), /malformed JSON/);
    assert.throws(() => parsePackagesLock("{}", "packages.lock.json"), /no `dependencies` object/);
  });
});

describe("PHP", () => {
  it("composer.lock (packages and packages-dev) and installed.json (Composer 1 and 2)", () => {
    const lock = JSON.stringify({
      "content-hash": "x",
      packages: [
        { name: "monolog/monolog", version: "3.4.0", type: "library" },
        { name: "symfony/console", version: "v6.3.4" },
        { name: "acme/wip", version: "dev-main" },
      ],
      "packages-dev": [{ name: "phpunit/phpunit", version: "10.3.2" }],
    });
    const pkgs = parseComposerLock(lock, "composer.lock");
    assert.deepEqual(keys(pkgs), [
      "monolog/monolog@3.4.0",
      "phpunit/phpunit@10.3.2",
      "symfony/console@6.3.4",
    ]);
    assert.equal(pkgs.find((p) => p.name === "phpunit/phpunit")?.metadata?.["dev"], true);
    const v2 = JSON.stringify({ packages: [{ name: "guzzlehttp/guzzle", version: "7.8.0" }], dev: true });
    const v1 = JSON.stringify([{ name: "guzzlehttp/guzzle", version: "6.5.8" }]);
    assert.deepEqual(keys(parseComposerInstalled(v2, "installed.json")), ["guzzlehttp/guzzle@7.8.0"]);
    assert.deepEqual(keys(parseComposerInstalled(v1, "installed.json")), ["guzzlehttp/guzzle@6.5.8"]);
    assert.throws(() => parseComposerLock('{"packages": 5}', "composer.lock"), /not an array/);
  });
});
