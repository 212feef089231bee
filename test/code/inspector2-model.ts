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
import { type Shape, shapesValidator } from "../support/botocore.js";

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

/** Problems of `doc` as a `root` shape, each with its path (list and string lengths included). */
export function validate(shapes: Record<string, Shape>, root: string, doc: unknown, at = root): string[] {
  return shapesValidator(shapes, root, { lengths: true })(doc, at);
}
