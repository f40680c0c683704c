// One OpsHub backend node of the rolling-restart test: the real OpsHub runtime (compiled agent,
// offline model, JWT sign-in, data routes) run like a deployment (docs/deploy.md): in a cluster
// over Redis, history in Postgres, behind nginx (trustProxy 1), metrics behind a token, draining
// on SIGTERM. It also serves the paced "streamer" agent the test's 50 clients use.
// Environment: PORT, OPSHUB_DATA_DIR, REDIS_URL, BC_NODE_ID, BC_PREFIX, DATABASE_URL, BC_SCHEMA,
// BC_SHUTDOWN_MS, METRICS_TOKEN, plus OpsHub's own (AGENT_API_KEY, ALLOWED_ORIGINS, OPSHUB_TOKEN_DELAY_MS,
// RESPONSE_CACHE_TTL_MS). Prints `{"listening":<port>}` once it accepts connections.
import { createLogger } from "@backchannel/server";
import { createPostgresStore } from "@backchannel/server/postgres";
import { startOpsHubRuntime } from "../../examples/opshub/dist/agent/runtime.js";
import { streamer } from "../../packages/server/test/streamer-agent.mjs";

const env = process.env;
const store = await createPostgresStore({ connectionString: env.DATABASE_URL, schema: env.BC_SCHEMA });
const runtime = await startOpsHubRuntime({
  dataDir: env.OPSHUB_DATA_DIR,
  port: Number(env.PORT ?? 0),
  agents: [streamer],
  sdk: {
    store,
    cluster: { redis: env.REDIS_URL, nodeId: env.BC_NODE_ID, leaseMs: 3000, keyPrefix: env.BC_PREFIX },
    trustProxy: 1,
    metrics: { token: env.METRICS_TOKEN },
    shutdownDeadlineMs: Number(env.BC_SHUTDOWN_MS ?? 15_000),
    limits: { runBurst: 10_000, runsPerSecond: 10_000, maxConnectionsPerPrincipal: 1000 },
    logger: createLogger({ level: env.LOG_LEVEL ?? "warn" }),
  },
});
process.stdout.write(`${JSON.stringify({ listening: runtime.port })}\n`);
const stop = async () => {
  await runtime.close();
  await store.close();
  process.exit(0);
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
