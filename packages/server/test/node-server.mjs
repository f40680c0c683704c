// A real server process for multi-process tests (restart, cluster, killed node). Runs the
// compiled package (dist/), configured from the environment:
//   BC_STORE=sqlite:<file> | postgres:<schema> | none    REDIS_URL=redis://...   BC_NODE_ID=a
//   BC_SHUTDOWN_MS (drain deadline), BC_DEFAULT_COUNT / BC_DEFAULT_DELAY_MS (streamer without forwardedProps)
// Prints one line `{"listening":<port>}` on stdout once it accepts connections.
import { CopilotKitSDK, createLogger } from "../dist/index.js";
import { createPostgresStore } from "../dist/postgres.js";
import { createSqliteStore } from "../dist/sqlite.js";
import { streamer } from "./streamer-agent.mjs";

const storeSpec = process.env.BC_STORE ?? "none";
let store = false;
if (storeSpec.startsWith("sqlite:")) store = await createSqliteStore({ path: storeSpec.slice(7) });
else if (storeSpec.startsWith("postgres:"))
  store = await createPostgresStore({
    connectionString: process.env.DATABASE_URL,
    schema: storeSpec.slice(9),
  });

const sdk = new CopilotKitSDK({
  agents: [streamer],
  auth: {
    apiKeys: { alice: "alice-key-0000000000", bob: "bob-key-00000000000000", browser: "browser-test-key" },
  },
  logger: createLogger({ level: process.env.LOG_LEVEL ?? "warn" }),
  store,
  ...(process.env.REDIS_URL
    ? {
        cluster: {
          redis: process.env.REDIS_URL,
          nodeId: process.env.BC_NODE_ID,
          leaseMs: Number(process.env.BC_LEASE_MS ?? 3000),
          keyPrefix: process.env.BC_PREFIX ?? "bc:",
        },
      }
    : {}),
  limits: {
    runBurst: Number(process.env.BC_RUN_BURST ?? 20),
    runsPerSecond: Number(process.env.BC_RUNS_PER_SECOND ?? 2),
    ...(process.env.BC_MAX_CONN_PER_PRINCIPAL
      ? { maxConnectionsPerPrincipal: Number(process.env.BC_MAX_CONN_PER_PRINCIPAL) }
      : {}),
  },
  shutdownDeadlineMs: Number(process.env.BC_SHUTDOWN_MS ?? 2000),
  ...(process.env.BACKCHANNEL_TRUST_PROXY ? { trustProxy: Number(process.env.BACKCHANNEL_TRUST_PROXY) } : {}),
});
const srv = await sdk.listen({ port: Number(process.env.PORT ?? 0) });
process.stdout.write(`${JSON.stringify({ listening: srv.port })}\n`);
const stop = async () => {
  await srv.close();
  if (store) await store.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
