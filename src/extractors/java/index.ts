import type { Extractor } from "../types.js";
import { javaArchiveExtractor } from "./jar.js";

export const javaExtractors: readonly Extractor[] = [javaArchiveExtractor];
