/**
 * The response cache end to end over real sockets, on each store it can live in: the
 * embedded SQLite, a real Postgres, and Redis shared by two cluster nodes.
 */

import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CopilotKitSDK, type ListeningServer } from "@backchannel/server";
import { createPostgresStore } from "@backchannel/server/postgres";
import { pino } from "pino";
import { describe } from "vitest";
import {
  dropSchema,
  postgresAvailable,
  redisAvailable,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  uniqueSchema,
} from "../packages/server/test/services.js";
import { CACHE_SECRET, cacheAgents, responseCacheContract } from "./helpers/cache-contract.js";

const [pgUp, redisUp] = await Promise.all([postgresAvailable(), redisAvailable()]);
const auth = { jwt: { secret: CACHE_SECRET } };
const logger = pino({ level: "silent" });
/** The contract starts many runs in a row; the run rate limit is not what it tests. */
const limits = { runsPerSecond: 1000, runBurst: 1000 };

describe("response cache on SQLite", () => {
  let node: { sdk: CopilotKitSDK; srv: ListeningServer };
  const dir = mkdtempSync(join(tmpdir(), "bc-cache-"));
  responseCacheContract(
    async () => {
      const sdk = new CopilotKitSDK({ agents: cacheAgents(), auth, logger, limits, dataDir: dir });
      node = { sdk, srv: await sdk.listen({ port: 0 }) };
      return [node];
    },
    async () => {
      await node.srv.close();
      rmSync(dir, { recursive: true, force: true });
    },
  );
});

describe.skipIf(!pgUp)("response cache on Postgres", () => {
  const schema = uniqueSchema("bc_cache");
  let node: { sdk: CopilotKitSDK; srv: ListeningServer };
  responseCacheContract(
    async () => {
      const store = await createPostgresStore({ connectionString: TEST_DATABASE_URL, schema });
      const sdk = new CopilotKitSDK({ agents: cacheAgents(), auth, logger, limits, store });
      node = { sdk, srv: await sdk.listen({ port: 0 }) };
      return [node];
    },
    async () => {
      await node.srv.close();
      await node.sdk.threads?.store.close();
      await dropSchema(schema);
    },
  );
});

describe.skipIf(!redisUp)("response cache in a cluster (two nodes, Redis)", () => {
  const keyPrefix = `bc:test:${randomUUID()}:`;
  const dir = mkdtempSync(join(tmpdir(), "bc-cache-cluster-"));
  const nodes: { sdk: CopilotKitSDK; srv: ListeningServer }[] = [];
  responseCacheContract(
    async () => {
      for (let i = 0; i < 2; i++) {
        // One history for both nodes (as with a shared Postgres); cached answers live in Redis.
        const sdk = new CopilotKitSDK({
          agents: cacheAgents(),
          auth,
          logger,
          limits,
          dataDir: dir,
          cluster: { redis: TEST_REDIS_URL, keyPrefix },
        });
        nodes.push({ sdk, srv: await sdk.listen({ port: 0 }) });
      }
      return nodes;
    },
    async () => {
      for (const n of nodes) await n.srv.close();
      rmSync(dir, { recursive: true, force: true });
    },
  );
});
