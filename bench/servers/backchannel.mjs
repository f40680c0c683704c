/**
 * Backchannel over WebSocket, serving the synthetic agent with an API key. Limits that
 * exist to protect a production server from one abusive user (runs per second per
 * principal, connections per principal) are raised, because the load generator is one
 * principal standing in for thousands of users. Thread persistence stays on, as by default
 * (SQLite), in a temporary folder removed on exit.
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CopilotKitSDK } from "@backchannel/server";
import { pino } from "pino";
import { benchEvents } from "../lib/agent.mjs";
import { serveStats } from "../lib/server-child.mjs";

export const BENCH_KEY = "bench-key-0123456789abcdef";
/** A second principal (the resume-storm scenario's bystander). */
export const BENCH_OTHER_KEY = "bench-other-key-0123456789abcdef";

const agent = {
  name: "bench",
  description: "Synthetic token streamer",
  run(input, ctx) {
    return benchEvents(input, input.forwardedProps, ctx.signal);
  },
};

const dataDir = mkdtempSync(join(tmpdir(), "backchannel-bench-"));
process.on("exit", () => rmSync(dataDir, { recursive: true, force: true }));
process.on("SIGTERM", () => process.exit(0));

const sdk = new CopilotKitSDK({
  dataDir,
  // BENCH_NO_STORE=1 measures the runtime without thread persistence (to isolate its cost).
  ...(process.env.BENCH_NO_STORE ? { store: false } : {}),
  agents: [agent],
  auth: { apiKeys: { bench: BENCH_KEY, other: BENCH_OTHER_KEY } },
  logger: pino({ level: process.env.LOG_LEVEL ?? "warn" }),
  limits: {
    maxConnections: 50_000,
    maxConnectionsPerPrincipal: 50_000,
    maxRunsPerConnection: 64,
    runsPerSecond: 1_000_000,
    runBurst: 1_000_000,
    framesPerSecond: 100_000,
  },
});
const { port } = await sdk.listen({ port: Number(process.env.PORT ?? 0) });
serveStats(port, () => sdk.stats());
