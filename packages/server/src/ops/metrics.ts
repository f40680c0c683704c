/**
 * The runtime's Prometheus metrics, through prom-client. Each runtime owns its own registry,
 * so two runtimes in one process never collide on prom-client's global registry. Labels are
 * bounded sets (agent names from the configuration, fixed outcome/result/reason words):
 * never a user, thread or run id. See docs/deploy.md#metrics for the list.
 * @module
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { AuthFailureReason } from "../errors.js";

/** How a run ended, as the `outcome` label. */
export type RunOutcome = "finished" | "error" | "cancelled";
/** How a resume request went, as the `result` label. */
export type ResumeResult = "ok" | "unavailable" | "forbidden";
/** Transports counted by `backchannel_connections`. */
export type ConnectionTransport = "websocket" | "sse";

/** Options of the runtime's metrics (`metrics` in the SDK options). */
export interface MetricsOptions {
  /**
   * Bearer token that `GET <basePath>/metrics` requires (env `METRICS_TOKEN`). Without it (and
   * without `port`) the route answers 404, so metrics are never public by accident.
   */
  token?: string;
  /**
   * Serve `GET /metrics` (no token) on a separate listen address instead, e.g. a port only the
   * cluster network reaches (env `METRICS_PORT`). Started by `listen()`, or `sdk.listenMetrics()`.
   */
  port?: number;
  /** Address of the separate metrics listener (env `METRICS_HOST`). @default "127.0.0.1" */
  host?: string;
  /** Also collect prom-client's default process metrics (CPU, memory, event loop lag, GC). @default true */
  defaultMetrics?: boolean;
  /** Use this registry instead of a fresh one (e.g. to merge with the app's own metrics). */
  registry?: Registry;
}

/** Hot-path tallies kept as plain numbers (no prom-client call per event); read at scrape time. */
export interface OpsTallies {
  /** Events handed to a client socket or SSE stream (a merged text frame counts each event). */
  eventsSent: number;
}

/** Where live connection counts come from at scrape time. */
export type ConnectionCounts = () => Record<ConnectionTransport, number>;

const RUN_DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const FIRST_EVENT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Every metric of one runtime. Created by the SDK; the runtime's parts report into it.
 * `tallies` are bumped directly on hot paths and exported as counters when scraped.
 */
export class RuntimeMetrics {
  readonly registry: Registry;
  readonly tallies: OpsTallies = { eventsSent: 0 };

  readonly connections: Gauge<"transport">;
  readonly runsStarted: Counter<"agent">;
  readonly runsFinished: Counter<"agent" | "outcome">;
  readonly runDuration: Histogram<"agent">;
  readonly firstEvent: Histogram<"agent">;
  readonly eventsSent: Counter;
  readonly resumes: Counter<"result">;
  readonly authFailures: Counter<"reason">;
  readonly slowConsumerCloses: Counter;
  /** Response cache lookups that were served from the cache. */
  readonly cacheHits: Counter;
  /** Response cache lookups that ran the agent. */
  readonly cacheMisses: Counter;

  private connectionCounts: ConnectionCounts = () => ({ websocket: 0, sse: 0 });

  constructor(options: MetricsOptions = {}) {
    const registry = options.registry ?? new Registry();
    this.registry = registry;
    const registers = [registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
    const counts = () => this.connectionCounts();
    this.connections = new Gauge({
      name: "backchannel_connections",
      help: "Open client connections, by transport (websocket, sse)",
      labelNames: ["transport"],
      registers,
      collect() {
        const now = counts();
        this.set({ transport: "websocket" }, now.websocket);
        this.set({ transport: "sse" }, now.sse);
      },
    });
    this.runsStarted = new Counter({
      name: "backchannel_runs_started_total",
      help: "Runs started on this node, by agent",
      labelNames: ["agent"],
      registers,
    });
    this.runsFinished = new Counter({
      name: "backchannel_runs_finished_total",
      help: "Runs ended on this node, by agent and outcome (finished, error, cancelled)",
      labelNames: ["agent", "outcome"],
      registers,
    });
    this.runDuration = new Histogram({
      name: "backchannel_run_duration_seconds",
      help: "Run duration from start to its terminal event, by agent",
      labelNames: ["agent"],
      buckets: RUN_DURATION_BUCKETS,
      registers,
    });
    this.firstEvent = new Histogram({
      name: "backchannel_first_event_seconds",
      help: "Time from run start to the agent's first text or tool event, by agent",
      labelNames: ["agent"],
      buckets: FIRST_EVENT_BUCKETS,
      registers,
    });
    const tallies = this.tallies;
    let reportedEvents = 0;
    this.eventsSent = new Counter({
      name: "backchannel_events_sent_total",
      help: "Run events sent to clients (WebSocket and SSE; a merged text frame counts each event)",
      registers,
      collect() {
        this.inc(tallies.eventsSent - reportedEvents);
        reportedEvents = tallies.eventsSent;
      },
    });
    this.resumes = new Counter({
      name: "backchannel_resumes_total",
      help: "Resume requests, by result (ok, unavailable, forbidden)",
      labelNames: ["result"],
      registers,
    });
    this.authFailures = new Counter({
      name: "backchannel_auth_failures_total",
      help: "Refused credentials and origins, by reason",
      labelNames: ["reason"],
      registers,
    });
    this.slowConsumerCloses = new Counter({
      name: "backchannel_slow_consumer_closes_total",
      help: "Connections closed because the client fell too far behind (WebSocket 4001, SSE slow_consumer)",
      registers,
    });
    this.cacheHits = new Counter({
      name: "backchannel_response_cache_hits_total",
      help: "Response cache lookups answered from the cache",
      registers,
    });
    this.cacheMisses = new Counter({
      name: "backchannel_response_cache_misses_total",
      help: "Response cache lookups that ran the agent",
      registers,
    });
    // Labelled counters start at 0 for the known label values, so dashboards see them before the first event.
    for (const result of ["ok", "unavailable", "forbidden"] as const) this.resumes.inc({ result }, 0);
  }

  /** Where `backchannel_connections` reads its numbers at scrape time. */
  countConnections(fn: ConnectionCounts): void {
    this.connectionCounts = fn;
  }

  /** Counts a refused credential or origin. */
  authFailure(reason: AuthFailureReason): void {
    this.authFailures.inc({ reason });
  }

  /** Counts a resume request by how it went. */
  resume(result: ResumeResult): void {
    this.resumes.inc({ result });
  }

  /** Counts a connection closed for falling behind. */
  slowConsumerClose(): void {
    this.slowConsumerCloses.inc();
  }

  /** Counts a response cache lookup. */
  cacheLookup(hit: boolean): void {
    (hit ? this.cacheHits : this.cacheMisses).inc();
  }

  /** The Prometheus text exposition of every metric, and its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
