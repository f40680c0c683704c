/**
 * @backchannel/server/postgres: the Postgres thread store. Needs the optional peer `pg`
 * (`npm install pg`), loaded on the first `createPostgresStore` call. `databaseUrl` in the
 * runtime's options opens the same store without importing this entry.
 * @module
 */
export { createPostgresStore, type PostgresStoreOptions } from "./store/postgres-store.js";
