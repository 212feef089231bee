import type { Extractor } from "../types.js";
import { apkExtractor } from "./apk.js";
import { dpkgDistrolessExtractor, dpkgExtractor } from "./dpkg.js";
import { rpmExtractor } from "./rpm.js";

/** OS package databases. OS detection (os-release.ts) is registered ahead of these in registry.ts. */
export const osExtractors: readonly Extractor[] = [
  dpkgExtractor,
  dpkgDistrolessExtractor,
  apkExtractor,
  rpmExtractor,
];
