import { dotnetExtractors } from "./dotnet/index.js";
import { goExtractors } from "./go/index.js";
import { javaExtractors } from "./java/index.js";
import { javascriptExtractors } from "./javascript/index.js";
import { osExtractors } from "./os/index.js";
import { osReleaseExtractor } from "./os/os-release.js";
import { phpExtractors } from "./php/index.js";
import { pythonExtractors } from "./python/index.js";
import { rubyExtractors } from "./ruby/index.js";
import { rustExtractors } from "./rust/index.js";
import type { Extractor } from "./types.js";

/** Every extractor, OS detection first. */
export const allExtractors: readonly Extractor[] = [
  osReleaseExtractor,
  ...osExtractors,
  ...javascriptExtractors,
  ...pythonExtractors,
  ...goExtractors,
  ...rustExtractors,
  ...javaExtractors,
  ...rubyExtractors,
  ...dotnetExtractors,
  ...phpExtractors,
];
