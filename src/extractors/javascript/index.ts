import type { Extractor } from "../types.js";

export const javascriptExtractors: readonly Extractor[] = [];
