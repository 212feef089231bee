import type { Extractor } from "../types.js";
import { goBinaryExtractor } from "./buildinfo.js";
import { goModExtractor } from "./gomod.js";

export const goExtractors: readonly Extractor[] = [goBinaryExtractor, goModExtractor];
