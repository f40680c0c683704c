/**
 * Assembles the OpsHub backend: database, model, graph, `opshub-nav-agent` on a
 * CopilotKitSDK, and the data routes, on one HTTP server.
 * @module
 */
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { LangGraphAgent } from "@backchannel/langgraph";
import { type Agent, CopilotKitSDK, createLogger, type SDKOptions, sendError } from "@backchannel/server";
import type { Database } from "better-sqlite3";
import { type AuthMode, authOptions } from "./auth.js";
import { READ_ONLY_CACHE_TTL_MS, readOnlyAnswersCache } from "./cache.js";
import { openDatabase } from "./data/db.js";
import { createOpsHubGraph } from "./graph.js";
import { createPortfolioRoutes } from "./http/portfolio-routes.js";
import { chooseModel, type ModelChoice } from "./model.js";

/** The agent's name and description, as in the seed. */
export const AGENT = {
  name: "opshub-nav-agent",
  description: "AI assistant for investment operations and portfolio analysis",
} as const;

/** Options of {@link startOpsHubRuntime}. */
export interface OpsHubRuntimeOptions {
  /** Folder of the database and the local JWT secret. */
  dataDir: string;
  /** @default 8000 */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  env?: NodeJS.ProcessEnv;
  /** Pause after each validation check, in ms. @default 350 */
  checkDelayMs?: number;
  /** More agents served next to `opshub-nav-agent` (the rolling-restart test's paced streamer). */
  agents?: Agent[];
  /**
   * Runtime options over OpsHub's own, to run it like any deployment (docs/deploy.md): `cluster`
   * (Redis) and a shared `store` (Postgres) for several nodes behind a proxy, `trustProxy`,
   * `metrics`, `limits`, `shutdownDeadlineMs` (OpsHub's default: 2 s).
   */
  sdk?: Partial<Omit<SDKOptions, "agents">>;
}

/** A running backend. */
export interface OpsHubRuntime {
  sdk: CopilotKitSDK;
  db: Database;
  server: Server;
  port: number;
  model: ModelChoice;
  authMode: AuthMode;
  close(): Promise<void>;
}

/**
 * Starts the backend.
 * @example const rt = await startOpsHubRuntime({ dataDir: ".data", port: 8000 });
 */
export async function startOpsHubRuntime(options: OpsHubRuntimeOptions): Promise<OpsHubRuntime> {
  const env = options.env ?? process.env;
  const db = openDatabase(join(options.dataDir, "opshub.db"));
  const model = chooseModel(db, env);
  const { auth, mode } = authOptions(options.dataDir, env);
  const graph = createOpsHubGraph({
    db,
    model: model.model,
    ...(options.checkDelayMs !== undefined ? { checkDelayMs: options.checkDelayMs } : {}),
  });
  const origins = env.ALLOWED_ORIGINS?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const sdk = new CopilotKitSDK({
    agents: [
      new LangGraphAgent({
        ...AGENT,
        graph,
        // Validation results are the server's to produce; the page cannot write them.
        acceptClientState: false,
        configure: () => ({ recursionLimit: 40 }),
      }),
      ...(options.agents ?? []),
    ],
    auth,
    logger: createLogger({ level: env.LOG_LEVEL ?? "info" }),
    // Threads (conversations) are kept next to the fund's data, so a reload finds them.
    dataDir: options.dataDir,
    // Read-only questions ("Top 10 holdings") are answered from cache for a while; the chat tags them.
    responseCache: {
      agents: { [AGENT.name]: readOnlyAnswersCache(db, cacheTtl(env)) },
    },
    ...(origins?.length ? { allowedOrigins: origins } : {}),
    // A demo stops quickly on Ctrl-C; a deployment drains longer (options.sdk).
    shutdownDeadlineMs: 2_000,
    ...options.sdk,
  });
  const routes = createPortfolioRoutes(db, sdk.authenticator, {
    model: { label: model.label, offline: model.offline },
    auth: mode,
  });
  const server = createServer((req, res) => {
    sdk
      .handleHttp(req, res)
      .then((done) => done || routes(req, res))
      .then((done) => {
        if (!done)
          sendError(res, 404, "not_found", `No route for ${req.method} ${(req.url ?? "").split("?")[0]}`);
      })
      .catch((err) => {
        sdk.logger.error({ err }, "request failed");
        if (!res.headersSent) sendError(res, 500, "internal", "Internal server error; retry later");
      });
  });
  server.requestTimeout = 0;
  sdk.attach(server);
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8000, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  sdk.logger.info({ port, model: model.label, auth: mode }, "OpsHub backend listening");
  return {
    sdk,
    db,
    server,
    port,
    model,
    authMode: mode,
    async close() {
      // Drains (docs/deploy.md): sockets closed with 1012, runs finish until shutdownDeadlineMs.
      await sdk.close();
      db.close();
    },
  };
}

/** `RESPONSE_CACHE_TTL_MS` (0 turns the cache off), else five minutes. */
function cacheTtl(env: NodeJS.ProcessEnv): number {
  const raw = env.RESPONSE_CACHE_TTL_MS?.trim();
  const ttl = raw ? Number(raw) : READ_ONLY_CACHE_TTL_MS;
  return Number.isFinite(ttl) && ttl >= 0 ? ttl : READ_ONLY_CACHE_TTL_MS;
}
