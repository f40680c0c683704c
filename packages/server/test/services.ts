/**
 * Access to the real Postgres and Redis of this machine for tests. Under CI=true a missing
 * service fails the test file (never a silent skip); elsewhere its tests are skipped with
 * a message saying how to run them.
 */

import { Redis } from "ioredis";
import pg from "pg";

/** Postgres used by tests. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
/** Redis used by tests. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

async function probe(name: string, url: string, check: () => Promise<void>): Promise<boolean> {
  try {
    await check();
    return true;
  } catch (err) {
    const why = `${name} is unreachable at ${url} (${(err as Error).message})`;
    if (process.env.CI === "true")
      throw new Error(`${why}; under CI=true these tests must run, start ${name}`);
    console.warn(`Skipping ${name} tests: ${why}. Start ${name} or set TEST_${name.toUpperCase()}_URL.`);
    return false;
  }
}

/** True when Postgres answers; throws under CI=true when it does not. */
export function postgresAvailable(): Promise<boolean> {
  return probe("Postgres", TEST_DATABASE_URL, async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 2000 });
    await client.connect();
    try {
      await client.query("SELECT 1");
    } finally {
      await client.end();
    }
  });
}

/** True when Redis answers; throws under CI=true when it does not. */
export function redisAvailable(): Promise<boolean> {
  return probe("Redis", TEST_REDIS_URL, async () => {
    const redis = new Redis(TEST_REDIS_URL, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      connectTimeout: 2000,
    });
    redis.on("error", () => {});
    try {
      await redis.connect();
      await redis.ping();
    } finally {
      redis.disconnect();
    }
  });
}

/** A fresh schema name, so parallel test files never share tables. */
export function uniqueSchema(prefix = "bc_test"): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}

/** Drops a schema created by a test. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
