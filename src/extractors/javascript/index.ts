import type { Extractor } from "../types.js";
import { nodeModulesExtractor } from "./node-modules.js";
import { packageLockExtractor } from "./npm-lock.js";
import { pnpmLockExtractor } from "./pnpm-lock.js";
import { yarnLockExtractor } from "./yarn-lock.js";

export const javascriptExtractors: readonly Extractor[] = [
  packageLockExtractor,
  yarnLockExtractor,
  pnpmLockExtractor,
  nodeModulesExtractor,
];
