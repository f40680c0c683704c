/**
 * @backchannel/server/sqlite: the embedded SQLite thread store, the runtime's default
 * (`better-sqlite3` is a regular dependency). Import it to open a store at a path of your own.
 * @module
 */
export { createSqliteStore, type SqliteStoreOptions } from "./store/sqlite-store.js";
