export * from './types.js';
export { openSqliteStore, SqliteStore, DEFAULT_HISTORY_LIMIT, type SqliteStoreOptions } from './sqlite-store.js';
export { SqliteStoreErrorCodes } from './sqlite-schema.js';
export { lockDataDir, processAlive, type DirLock } from './data-dir-lock.js';
export * from './edge-db-types.js';
export { openEdgeDb, EdgeDbErrorCode, type EdgeDbOptions } from './edge-db.js';
