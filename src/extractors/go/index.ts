import type { Extractor } from "../types.js";

export const goExtractors: readonly Extractor[] = [];
