import type { Extractor } from "../types.js";
import { pipfileLockExtractor, poetryLockExtractor, requirementsExtractor } from "./locks.js";
import { pythonMetadataExtractor } from "./metadata.js";

export const pythonExtractors: readonly Extractor[] = [
  pythonMetadataExtractor,
  poetryLockExtractor,
  pipfileLockExtractor,
  requirementsExtractor,
];
