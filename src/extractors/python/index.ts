import type { Extractor } from "../types.js";

export const pythonExtractors: readonly Extractor[] = [];
