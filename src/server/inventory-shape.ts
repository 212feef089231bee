import { z } from "zod";

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
      })
      .strict(),
  })
  .strict();
