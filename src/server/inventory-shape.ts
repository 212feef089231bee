import { z } from "zod";
import { CODE_LIMITS, detectorOfId } from "../code/submitted.js";

/** Body of Vigil's native `POST /v1/resources/{id}/inventory`: the resource and its packages. */
export const PackageShape = z
  .object({
    name: z.string().min(1).max(512),
    version: z.string().max(256),
    type: z.enum([
      "deb",
      "rpm",
      "apk",
      "npm",
      "pypi",
      "golang",
      "cargo",
      "maven",
      "gem",
      "nuget",
      "composer",
    ]),
    ecosystem: z.string().max(128).optional(),
    source: z
      .object({ name: z.string().max(512), version: z.string().max(256).optional() })
      .strict()
      .optional(),
    arch: z.string().max(64).optional(),
    location: z.string().max(4096),
    extractor: z.string().max(64),
    purl: z.string().max(4096).optional(),
    layerDigest: z.string().max(128).optional(),
    metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .strict();

export const OsShape = z
  .object({
    id: z.string().max(64),
    versionId: z.string().max(64).optional(),
    codename: z.string().max(64).optional(),
    prettyName: z.string().max(256).optional(),
    ecosystem: z.string().max(128).optional(),
  })
  .strict();

/**
 * Code scanning results of a function (`inventory.code`, from `vigil scan --code --submit`): per
 * finding what the scan observed; the server fills in the detector's catalogue entry. Sizes are
 * capped so that a submission cannot make the server store megabytes of code.
 */
export const CodeLineShape = z
  .object({
    lineNumber: z.number().int().min(1).max(10_000_000),
    content: z.string().max(CODE_LIMITS.lineChars),
  })
  .strict();

export const CodeFindingShape = z
  .object({
    detectorId: z
      .string()
      .min(1)
      .max(128)
      .refine((id) => detectorOfId(id) !== undefined, {
        message:
          "not a detector this server knows (<python|javascript|typescript>/<detector>, e.g. python/sql-injection)",
      }),
    filePath: z.string().min(1).max(CODE_LIMITS.filePath),
    startLine: z.number().int().min(1).max(10_000_000),
    endLine: z.number().int().min(1).max(10_000_000),
    snippet: z.array(CodeLineShape).min(1).max(CODE_LIMITS.snippetLines),
    message: z.string().max(CODE_LIMITS.message),
    fingerprint: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits"),
    sourceLambdaLayerArn: z.string().min(1).max(2048).optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (f.endLine < f.startLine)
      ctx.addIssue({ code: "custom", path: ["endLine"], message: "must not be before startLine" });
  });

export const CodeResultsShape = z
  .object({ findings: z.array(CodeFindingShape).max(CODE_LIMITS.findings) })
  .strict()
  .superRefine((c, ctx) => {
    let chars = 0;
    for (const f of c.findings) for (const l of f.snippet) chars += l.content.length;
    if (chars > CODE_LIMITS.snippetChars)
      ctx.addIssue({
        code: "custom",
        path: ["findings"],
        message: `snippets hold ${chars} characters together, over the ${CODE_LIMITS.snippetChars} limit`,
      });
  });

export const SubmitInventoryRequest = z
  .object({
    resourceType: z.enum([
      "AWS_EC2_INSTANCE",
      "AWS_ECR_CONTAINER_IMAGE",
      "AWS_ECR_REPOSITORY",
      "AWS_LAMBDA_FUNCTION",
    ]),
    region: z.string().min(1).max(64).optional(),
    tags: z.record(z.string().min(1).max(128), z.string().max(256)).optional(),
    details: z.record(z.string(), z.unknown()).optional(),
    inventory: z
      .object({
        os: OsShape.optional(),
        packages: z.array(PackageShape).max(200_000),
        code: CodeResultsShape.optional(),
      })
      .strict(),
  })
  .strict()
  .superRefine((b, ctx) => {
    // Code scanning (Inspector's Lambda code scanning) applies to functions only.
    if (b.inventory.code && b.resourceType !== "AWS_LAMBDA_FUNCTION")
      ctx.addIssue({
        code: "custom",
        path: ["inventory", "code"],
        message: `code scanning results are accepted for AWS_LAMBDA_FUNCTION resources only, not ${b.resourceType}`,
      });
  });
