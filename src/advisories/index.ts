/** The advisory store's public API: open it for matching, update it from feeds, report on it. */
export { NetworkError } from "./download.js";
export { type FeedSelection, FIXED_FEEDS, selectFeeds } from "./feeds/index.js";
export { DEFAULT_OSV_ECOSYSTEMS } from "./feeds/osv.js";
export { normalizeEcosystem, normalizePackageName } from "./normalize.js";
export { ADVISORY_DB_FILE } from "./schema.js";
export {
  type AdvisoryStore,
  advisoryDbPath,
  type OpenStoreOptions,
  openAdvisoryStore,
  type StoreCounts,
} from "./store.js";
export type * from "./types.js";
export {
  type AdvisoryStatus,
  advisoryStatus,
  type FeedCounts,
  type FeedRunStatus,
  type FeedStatus,
  type FeedUpdateResult,
  type UpdateOptions,
  type UpdateProgress,
  type UpdateResult,
  updateAdvisories,
} from "./update.js";
