import type { Extractor } from "../types.js";
import { cargoAuditableExtractor } from "./auditable.js";
import { cargoLockExtractor } from "./cargo-lock.js";

export const rustExtractors: readonly Extractor[] = [cargoLockExtractor, cargoAuditableExtractor];
