/**
 * The inspector2 service model that knows code findings: Debian's awscli model predates
 * CODE_VULNERABILITY, so this takes the newest botocore on the machine (python3's botocore,
 * service-2.json or .json.gz) and checks documents against a shape: member names, required
 * members, scalar types, enums and list lengths.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

interface Shape {
  type: string;
  members?: Record<string, { shape: string }>;
  required?: string[];
  member?: { shape: string };
  value?: { shape: string };
  enum?: string[];
  min?: number;
  max?: number;
}

/** Shapes of an inspector2 model with CodeVulnerabilityDetails, or undefined when none is installed. */
export function codeAwareModel(): Record<string, Shape> | undefined {
  const candidates: string[] = [];
  try {
    const dir = execFileSync(
      "python3",
      ["-c", "import botocore, os; print(os.path.dirname(botocore.__file__))"],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      },
    ).trim();
    candidates.push(join(dir, "data/inspector2/2020-06-08/service-2.json"));
    candidates.push(join(dir, "data/inspector2/2020-06-08/service-2.json.gz"));
  } catch {
    // no python botocore
  }
  candidates.push("/usr/lib/python3/dist-packages/awscli/botocore/data/inspector2/2020-06-08/service-2.json");
  for (const c of candidates) {
    if (!existsSync(c)) continue;
    const raw = readFileSync(c);
    const doc = JSON.parse((c.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8")) as {
      shapes: Record<string, Shape>;
    };
    if (doc.shapes["CodeVulnerabilityDetails"]) return doc.shapes;
  }
  return undefined;
}

/** Problems of `doc` as a `root` shape, each with its path. */
export function validate(shapes: Record<string, Shape>, root: string, doc: unknown, at = root): string[] {
  const errors: string[] = [];
  const walk = (name: string, value: unknown, path: string): void => {
    const shape = shapes[name];
    if (!shape) {
      errors.push(`${path}: unknown shape ${name}`);
      return;
    }
    switch (shape.type) {
      case "structure": {
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
          errors.push(`${path}: expected an object`);
          return;
        }
        for (const r of shape.required ?? [])
          if (!(r in value)) errors.push(`${path}.${r}: required member missing`);
        for (const [k, v] of Object.entries(value)) {
          const m = shape.members?.[k];
          if (m) walk(m.shape, v, `${path}.${k}`);
          else errors.push(`${path}.${k}: not a member of ${name}`);
        }
        return;
      }
      case "list":
        if (!Array.isArray(value)) {
          errors.push(`${path}: expected a list`);
          return;
        }
        if (shape.min !== undefined && value.length < shape.min)
          errors.push(`${path}: fewer than ${shape.min} items`);
        if (shape.max !== undefined && value.length > shape.max)
          errors.push(`${path}: more than ${shape.max} items`);
        value.forEach((v, i) => {
          walk(shape.member!.shape, v, `${path}[${i}]`);
        });
        return;
      case "map":
        if (typeof value !== "object" || value === null) errors.push(`${path}: expected a map`);
        else for (const [k, v] of Object.entries(value)) walk(shape.value!.shape, v, `${path}.${k}`);
        return;
      case "string":
        if (typeof value !== "string") errors.push(`${path}: expected a string`);
        else if (shape.enum && !shape.enum.includes(value))
          errors.push(`${path}: ${value} is not one of ${shape.enum}`);
        else if (shape.min !== undefined && value.length < shape.min)
          errors.push(`${path}: shorter than ${shape.min}`);
        else if (shape.max !== undefined && value.length > shape.max)
          errors.push(`${path}: longer than ${shape.max}`);
        return;
      case "integer":
      case "long":
      case "double":
        if (typeof value !== "number" || (shape.type !== "double" && !Number.isInteger(value)))
          errors.push(`${path}: expected a ${shape.type}`);
        return;
      case "timestamp":
        if (typeof value !== "string" || Number.isNaN(Date.parse(value)))
          errors.push(`${path}: expected a timestamp`);
        return;
      case "boolean":
        if (typeof value !== "boolean") errors.push(`${path}: expected a boolean`);
        return;
    }
  };
  walk(root, doc, at);
  return errors;
}
