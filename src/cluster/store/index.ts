// Store backends: the versioned, watchable key-value store of JSON objects that the API server
// persists through (memory for tests, SQLite embedded, etcd distributed). Knows keys, revisions and
// preconditions — never what a resource means (no validation, defaulting or admission here).
export { EtcdStore, type EtcdStoreOptions } from './etcd.js';
export { MemoryStore, type MemoryStoreOptions } from './memory.js';
export { openStore, parseEtcdSpec, STORE_SPEC_FORMS } from './open.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite.js';
export {
  type Precondition,
  type Store,
  StoreError,
  type StoreEvent,
  type Watch,
} from './types.js';
export {
  DEFAULT_HISTORY_SIZE,
  type RawEvent,
  WatchHub,
  type WatchHubOptions,
  type WatchRoute,
} from './watch-hub.js';
