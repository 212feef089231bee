import { parse as parseToml } from "smol-toml";
import { parse as parseYaml } from "yaml";

/** Text parsers for lockfiles, each failing with a message that says where the input is broken. */

/** JSON, with a syntax error's position turned into line and column. */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    if (pos) {
      const before = text.slice(0, Number(pos[1]));
      const line = before.split("\n").length;
      const col = Number(pos[1]) - before.lastIndexOf("\n");
      throw new Error(
        `malformed JSON at line ${line}, column ${col}: ${msg.replace(/ in JSON at position \d+.*$/, "")}`,
      );
    }
    throw new Error(`malformed JSON: ${msg}`);
  }
}

/** A YAML document that must be a mapping (alias expansion bounded against billion-laughs input). */
export function parseYamlMapping(text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new Error(`malformed YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new Error("not a YAML mapping");
  return doc as Record<string, unknown>;
}

export function parseTomlText(text: string): Record<string, unknown> {
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`malformed TOML: ${(e as Error).message.split("\n")[0]}`);
  }
}

/** The `[[package]]` array of a TOML lockfile (Cargo.lock, poetry.lock). */
export function tomlPackages(text: string): Record<string, unknown>[] {
  const list = parseTomlText(text)["package"];
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new Error("`package` is not an array of tables");
  return list as Record<string, unknown>[];
}
