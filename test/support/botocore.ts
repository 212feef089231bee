import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * Checks documents against a service model shipped with Debian's awscli (botocore
 * data/<service>/<version>/service-2.json): member names, required members, types, enums.
 */
export interface Shape {
  type: string;
  members?: Record<string, { shape: string }>;
  required?: string[];
  member?: { shape: string };
  value?: { shape: string };
  enum?: string[];
  min?: number;
  max?: number;
}

export interface ValidatorOptions {
  /** "Shape.member" names the API gained after the model at hand. */
  newer?: ReadonlySet<string>;
  /** Blank strings are errors (Security Hub rejects them). */
  nonEmptyStrings?: boolean;
  /** Timestamps as numbers (the restJson1 wire format) rather than ISO strings. */
  epochSeconds?: boolean;
  /** Check list and string lengths against the model's min/max. */
  lengths?: boolean;
}

export function serviceModelShapes(service: string): Record<string, Shape> {
  const path = execFileSync(
    "bash",
    ["-c", `ls /usr/lib/python3/dist-packages/awscli/botocore/data/${service}/*/service-2.json | tail -1`],
    { encoding: "utf8" },
  ).trim();
  return (JSON.parse(readFileSync(path, "utf8")) as { shapes: Record<string, Shape> }).shapes;
}

/**
 * A validator for documents of `rootShape`: returns the problems, each with its path. `newer`
 * lists "Shape.member" names the API gained after Debian's model; `nonEmptyStrings` makes blank
 * strings an error (Security Hub rejects them); `epochSeconds` takes timestamps as numbers (the
 * restJson1 wire format) rather than ISO strings.
 */
export function serviceModelValidator(
  service: string,
  rootShape: string,
  options: ValidatorOptions = {},
): (doc: unknown, at?: string) => string[] {
  return shapesValidator(serviceModelShapes(service), rootShape, options);
}

/** The same over shapes loaded elsewhere (another botocore's model). */
export function shapesValidator(
  shapes: Record<string, Shape>,
  rootShape: string,
  options: ValidatorOptions = {},
): (doc: unknown, at?: string) => string[] {
  const walk = (name: string, value: unknown, at: string, errors: string[]): void => {
    const shape = shapes[name];
    if (!shape) {
      errors.push(`${at}: unknown shape ${name}`);
      return;
    }
    switch (shape.type) {
      case "structure": {
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
          errors.push(`${at}: expected an object`);
          return;
        }
        for (const r of shape.required ?? [])
          if (!(r in value)) errors.push(`${at}.${r}: required member missing`);
        for (const [k, v] of Object.entries(value)) {
          const m = shape.members?.[k];
          if (m) walk(m.shape, v, `${at}.${k}`, errors);
          else if (!options.newer?.has(`${name}.${k}`)) errors.push(`${at}.${k}: not a member of ${name}`);
        }
        return;
      }
      case "list":
        if (!Array.isArray(value)) {
          errors.push(`${at}: expected a list`);
          return;
        }
        if (options.lengths && shape.min !== undefined && value.length < shape.min)
          errors.push(`${at}: fewer than ${shape.min} items`);
        if (options.lengths && shape.max !== undefined && value.length > shape.max)
          errors.push(`${at}: more than ${shape.max} items`);
        value.forEach((v, i) => {
          walk(shape.member!.shape, v, `${at}[${i}]`, errors);
        });
        return;
      case "map":
        if (typeof value !== "object" || value === null) errors.push(`${at}: expected a map`);
        else for (const [k, v] of Object.entries(value)) walk(shape.value!.shape, v, `${at}.${k}`, errors);
        return;
      case "string":
        if (typeof value !== "string" || (options.nonEmptyStrings && !/\S/.test(value)))
          errors.push(`${at}: expected a${options.nonEmptyStrings ? " non-empty" : ""} string`);
        else if (shape.enum && !shape.enum.includes(value))
          errors.push(`${at}: ${value} is not one of ${shape.enum.join(",")}`);
        else if (options.lengths && shape.min !== undefined && value.length < shape.min)
          errors.push(`${at}: shorter than ${shape.min}`);
        else if (options.lengths && shape.max !== undefined && value.length > shape.max)
          errors.push(`${at}: longer than ${shape.max}`);
        return;
      case "double":
      case "integer":
      case "long":
        if (typeof value !== "number" || (shape.type !== "double" && !Number.isInteger(value)))
          errors.push(`${at}: expected a ${shape.type}`);
        return;
      case "timestamp":
        if (
          options.epochSeconds
            ? typeof value !== "number"
            : typeof value !== "string" || Number.isNaN(Date.parse(value))
        )
          errors.push(`${at}: expected a timestamp`);
        return;
      case "boolean":
        if (typeof value !== "boolean") errors.push(`${at}: expected a boolean`);
        return;
    }
  };
  return (doc, at = rootShape) => {
    const errors: string[] = [];
    walk(rootShape, doc, at, errors);
    return errors;
  };
}

/** ASFF Vulnerability members Security Hub added after Debian's botocore model was cut. */
export const ASFF_NEWER_MEMBERS: ReadonlySet<string> = new Set([
  "Vulnerability.EpssScore",
  "Vulnerability.ExploitAvailable",
  "Vulnerability.LastKnownExploitAt",
  "Vulnerability.CodeVulnerabilities",
]);

/** Checks a BatchImportFindings request body (`{ Findings: [...] }`) against Security Hub's model. */
export function batchImportFindingsValidator(): (doc: unknown) => string[] {
  const check = serviceModelValidator("securityhub", "BatchImportFindingsRequest", {
    newer: ASFF_NEWER_MEMBERS,
    nonEmptyStrings: true,
  });
  return (doc) => check(doc);
}
