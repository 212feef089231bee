import type { Extractor } from "../types.js";

export const osExtractors: readonly Extractor[] = [];
