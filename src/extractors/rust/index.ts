import type { Extractor } from "../types.js";

export const rustExtractors: readonly Extractor[] = [];
