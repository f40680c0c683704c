/**
 * Scale-out on Redis. Runs execute on the node that accepted them and are written to a
 * Redis stream per run; any node serves resume, cancel and thread follows for any run by
 * mirroring its stream. Each running run holds a lease its node renews; when a node dies,
 * another node ends its runs with RUN_ERROR in the stream (and saves their partial answer).
 * Without a cluster none of this is loaded and runs stay in-process.
 * @module
 */
import { hostname } from "node:os";
import type { BaseEvent, RunAgentInput } from "@ag-ui/core";
import { ErrorCode } from "@backchannel/protocol";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { Agent } from "../agent.js";
import { BackchannelServerError } from "../errors.js";
import { inSpan } from "../ops/tracing.js";
import { loadOptional } from "../optional-dependency.js";
import type { Principal } from "../principal.js";
import type { RunRegistry } from "../runs/registry.js";
import { Run } from "../runs/run.js";
import type { LiveRunInfo, ReapedRun } from "../store/thread-runs.js";
import { CLUSTER_DEFAULTS, type ClusterKeys, type ClusterOptions, clusterKeys } from "./cluster-options.js";
import { MirrorRun } from "./mirror-run.js";
import { NODE_LOST_MESSAGE, RunPublisher } from "./publisher.js";
import { type ScriptedPipeline, type ScriptedRedis, withClusterScripts } from "./scripts.js";
import { applyEntries, parseEntries, StreamReader } from "./stream-reader.js";

/** What the cluster needs from the runtime. */
export interface ClusterHost {
  readonly logger: Logger;
  readonly registry: RunRegistry;
  readonly resume: { maxEvents: number; maxBytes: number; maxAgeMs: number; retentionMs: number };
}

interface RemoteEntry {
  mirror: MirrorRun;
  /** Last time it had subscribers (or was created). */
  seen: number;
}

const EVICT_AFTER_MS = 30_000;

/** The cluster layer of one node. Created by the SDK when `cluster` is configured. */
export class Cluster {
  readonly nodeId: string;
  /** The command connection, with the cluster's Lua scripts registered. */
  readonly redis: ScriptedRedis;
  readonly leaseMs: number;
  readonly keys: ClusterKeys;
  private readonly reapedListeners: ((run: ReapedRun) => Promise<void>)[] = [];
  private readonly threadRunListeners: ((threadId: string, runId: string) => void)[] = [];

  private readonly sub: Redis;
  private readonly reader: StreamReader;
  private readonly publishers = new Map<string, RunPublisher>();
  private readonly remote = new Map<string, RemoteEntry>();
  private readonly locating = new Map<string, Promise<MirrorRun | undefined>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly prefix: string;
  private readonly maxBatchEvents: number;
  private closed = false;

  constructor(
    private readonly host: ClusterHost,
    options: ClusterOptions,
  ) {
    this.nodeId = options.nodeId ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
    this.leaseMs = options.leaseMs ?? CLUSTER_DEFAULTS.leaseMs;
    this.prefix = options.keyPrefix ?? CLUSTER_DEFAULTS.keyPrefix;
    this.maxBatchEvents = options.maxBatchEvents ?? CLUSTER_DEFAULTS.maxBatchEvents;
    this.keys = clusterKeys(this.prefix);
    const base =
      typeof options.redis === "string"
        ? new (loadOptional<typeof import("ioredis")>("ioredis", "cluster (Redis scale-out)").Redis)(
            options.redis,
            { lazyConnect: false, maxRetriesPerRequest: 2 },
          )
        : options.redis.duplicate();
    this.redis = withClusterScripts(base);
    this.sub = base.duplicate();
    const readerConn = base.duplicate({ maxRetriesPerRequest: null });
    for (const conn of [this.redis, this.sub, readerConn]) {
      conn.on("error", (err) => host.logger.debug({ err }, "redis connection error"));
    }
    this.reader = new StreamReader(readerConn, this.redis, host.logger, Math.min(1000, this.leaseMs / 2));
    void this.sub
      .subscribe(this.keys.node(this.nodeId), this.keys.threadStarts)
      .catch((err) => host.logger.error({ err }, "redis subscribe failed"));
    this.sub.on("message", (channel, message) => this.onMessage(channel, message));
    this.every(this.leaseMs / 3, () => this.renewLeases());
    this.every(this.leaseMs / 2, () => this.reap());
    this.every(5_000, () => this.evictRemote());
  }

  /** Calls `fn` with each run this node ended on behalf of a dead node (persistence saves it). */
  onReaped(fn: (run: ReapedRun) => Promise<void>): void {
    this.reapedListeners.push(fn);
  }

  /** Calls `fn` when a run starts on a thread anywhere in the cluster (thread followers). */
  onThreadRun(fn: (threadId: string, runId: string) => void): void {
    this.threadRunListeners.push(fn);
  }

  /** Options resolved for logs. */
  describe(): { nodeId: string; leaseMs: number; prefix: string } {
    return { nodeId: this.nodeId, leaseMs: this.leaseMs, prefix: this.prefix };
  }

  /**
   * Starts `agent` on this node: the returned mirror (registered for sessions) receives each
   * event once it is in Redis. `execute` runs the agent into the executing run.
   */
  startRun(input: RunAgentInput, agent: Agent, principal: Principal, execute: (source: Run) => void): Run {
    const limits = {
      maxEvents: this.host.resume.maxEvents,
      maxBytes: this.host.resume.maxBytes,
      maxAgeMs: this.host.resume.maxAgeMs,
    };
    // The executing run keeps no history of its own: the publisher batches from its deliveries.
    const source = new Run(input, agent.name, principal, {
      maxEvents: 1,
      maxBytes: 1,
      maxAgeMs: limits.maxAgeMs,
    });
    const mirror = new MirrorRun(input, agent.name, principal, limits, {
      cancel: () => source.cancel(),
      fail: (message, code) => source.fail(message, code),
    });
    this.host.registry.adopt(mirror);
    const publisher = new RunPublisher(
      {
        redis: this.redis,
        keys: this.keys,
        nodeId: this.nodeId,
        leaseMs: this.leaseMs,
        retentionMs: this.host.resume.retentionMs,
        maxBatchEvents: this.maxBatchEvents,
        logger: this.host.logger,
      },
      source,
      mirror,
    );
    this.publishers.set(source.id, publisher);
    void publisher.done.then(() => this.publishers.delete(source.id));
    const k = this.keys;
    const now = Date.now();
    inSpan("backchannel.redis start_run", { "db.system": "redis", "backchannel.run_id": input.runId }, () =>
      this.redis.bcStartRun(
        k.lease(input.runId),
        k.meta(input.runId),
        k.active,
        k.threadRuns(input.threadId),
        this.nodeId,
        this.leaseMs,
        now + this.leaseMs,
        input.runId,
        input.threadId,
        agent.name,
        JSON.stringify({ id: principal.id, kind: principal.kind }),
        JSON.stringify(input),
        now,
        Math.max(this.host.resume.retentionMs, this.leaseMs * 3),
      ),
    ).then(
      (claimed) => {
        if (claimed !== 1) {
          return publisher.detach(
            "This runId is already running on another node; resume it instead",
            "run_conflict",
          );
        }
        this.redis
          .publish(k.threadStarts, JSON.stringify({ threadId: input.threadId, runId: input.runId }))
          .catch(() => {});
        execute(source);
      },
      (err) => {
        this.host.logger.error({ err, runId: input.runId }, "cannot register the run in Redis");
        publisher.detach("Redis is unreachable; retry shortly", "unavailable");
      },
    );
    return mirror;
  }

  /** A run executing (or recently ended) on another node, mirrored here; undefined if unknown. */
  locateRun(runId: string): Promise<MirrorRun | undefined> {
    const known = this.remote.get(runId);
    if (known) {
      known.seen = Date.now();
      return Promise.resolve(known.mirror);
    }
    if (this.redisDown()) return Promise.reject(this.unavailable());
    let pending = this.locating.get(runId);
    if (!pending) {
      pending = inSpan(
        "backchannel.redis locate_run",
        { "db.system": "redis", "backchannel.run_id": runId },
        () => this.openRemote(runId),
      )
        .catch((err) => {
          this.host.logger.warn({ err, runId }, "cannot look the run up in Redis");
          throw this.unavailable(err);
        })
        .finally(() => this.locating.delete(runId));
      this.locating.set(runId, pending);
    }
    return pending;
  }

  /** True while the connection is down and reconnecting: fail fast instead of queueing. */
  private redisDown(): boolean {
    const status = this.redis.status;
    return status === "reconnecting" || status === "end" || status === "close";
  }

  private unavailable(cause?: unknown): BackchannelServerError {
    return new BackchannelServerError(ErrorCode.Unavailable, "Redis is unreachable; retry shortly", {
      cause,
    });
  }

  /** Runs of `threadId` executing anywhere in the cluster. */
  async liveRuns(threadId: string): Promise<LiveRunInfo[]> {
    const ids = await this.redis.smembers(this.keys.threadRuns(threadId));
    const out: LiveRunInfo[] = [];
    for (const runId of ids) {
      const local = this.host.registry.get(runId) ?? this.remote.get(runId)?.mirror;
      if (local && !local.ended) {
        out.push({ runId, agent: local.agentName, lastSeq: local.lastSeq });
        continue;
      }
      const [agent, tail] = await Promise.all([
        this.redis.hget(this.keys.meta(runId), "agent"),
        this.redis.xrevrange(this.keys.events(runId), "+", "-", "COUNT", 1),
      ]);
      if (!agent) continue;
      const last = tail[0] ? Number(tail[0][1][tail[0][1].indexOf("l") + 1]) : 0;
      out.push({ runId, agent, lastSeq: last });
    }
    return out;
  }

  /** Cancels every run of `threadId`, wherever it executes. */
  async cancelThreadRuns(threadId: string): Promise<void> {
    const ids = await this.redis.smembers(this.keys.threadRuns(threadId));
    await Promise.all(
      ids.map(async (runId) => (this.host.registry.get(runId) ?? (await this.locateRun(runId)))?.cancel()),
    );
  }

  /** Throws when Redis does not answer (for `/health`). */
  async ping(): Promise<void> {
    await this.redis.ping();
  }

  /** Waits (up to `deadlineMs`) for this node's runs to reach Redis, then disconnects. */
  async close(deadlineMs = 2_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.publishers.values()].map((p) => p.done)),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, deadlineMs);
      }),
    ]);
    clearTimeout(timer);
    for (const p of this.publishers.values())
      p.detach("Server shut down before the run finished; start it again", "shutdown");
    await this.reader.close();
    this.sub.disconnect();
    // QUIT waits for Redis; a node that cannot reach it must still shut down.
    await Promise.race([this.redis.quit().catch(() => {}), new Promise((r) => setTimeout(r, 500).unref())]);
    this.redis.disconnect();
  }

  private every(ms: number, fn: () => Promise<void> | void): void {
    const t = setInterval(
      () => {
        if (!this.closed)
          void Promise.resolve()
            .then(fn)
            .catch((err) => this.host.logger.warn({ err }, "cluster task failed"));
      },
      Math.max(50, Math.floor(ms)),
    );
    t.unref();
    this.timers.push(t);
  }

  private onMessage(channel: string, message: string): void {
    let body: { cancel?: string; threadId?: string; runId?: string };
    try {
      body = JSON.parse(message);
    } catch {
      return;
    }
    if (channel === this.keys.threadStarts) {
      if (typeof body.threadId === "string" && typeof body.runId === "string")
        for (const fn of this.threadRunListeners) fn(body.threadId, body.runId);
      return;
    }
    if (typeof body.cancel === "string") this.publishers.get(body.cancel)?.source.cancel();
  }

  private async openRemote(runId: string): Promise<MirrorRun | undefined> {
    const k = this.keys;
    const meta = await this.redis.hgetall(k.meta(runId));
    if (!meta.input || !meta.principal || !meta.node) return undefined;
    const input = JSON.parse(meta.input) as RunAgentInput;
    const principal = JSON.parse(meta.principal) as Principal;
    const node = meta.node;
    const mirror = new MirrorRun(
      input,
      meta.agent ?? "",
      principal,
      {
        maxEvents: this.host.resume.maxEvents,
        maxBytes: this.host.resume.maxBytes,
        maxAgeMs: this.host.resume.maxAgeMs,
      },
      {
        cancel: () => {
          this.redis.publish(k.node(node), JSON.stringify({ cancel: runId })).catch(() => {});
        },
        fail: () => {},
      },
    );
    let lastId = "-";
    for (;;) {
      const start = lastId === "-" ? "-" : `(${lastId}`;
      const entries = parseEntries(await this.redis.xrange(k.events(runId), start, "+", "COUNT", 512));
      if (entries.length === 0) break;
      lastId = entries.at(-1)!.id;
      if (!applyEntries(mirror, entries) || mirror.ended) break;
    }
    // A mirror created by a racing call wins; both read the same stream.
    const raced = this.remote.get(runId);
    if (raced) return raced.mirror;
    this.remote.set(runId, { mirror, seen: Date.now() });
    if (!mirror.ended) this.reader.add(mirror, k.events(runId), lastId === "-" ? "0-0" : lastId);
    return mirror;
  }

  private async renewLeases(): Promise<void> {
    if (this.publishers.size === 0) return;
    const k = this.keys;
    const deadline = Date.now() + this.leaseMs;
    const live = Math.max(this.host.resume.retentionMs, this.leaseMs * 3);
    const entries = [...this.publishers.values()].filter(
      (p) => !p.source.ended || p.mirror.lastSeq < p.source.lastSeq,
    );
    const pipe = this.redis.pipeline() as ScriptedPipeline;
    for (const p of entries) {
      const id = p.source.id;
      pipe.bcRenewLease(
        k.lease(id),
        k.events(id),
        k.meta(id),
        k.active,
        k.threadRuns(p.source.threadId),
        this.nodeId,
        this.leaseMs,
        deadline,
        id,
        live,
      );
    }
    const results = (await pipe.exec()) ?? [];
    results.forEach(([err, ok], i) => {
      const p = entries[i]!;
      if (!err && ok === 0 && this.publishers.get(p.source.id) === p && !p.mirror.ended) {
        this.host.logger.warn({ runId: p.source.id }, "run lease lost; ending the run");
        p.detach(NODE_LOST_MESSAGE, "node_lost");
      }
    });
  }

  /** Ends runs whose lease expired (their node died), once cluster-wide. */
  private async reap(): Promise<void> {
    const k = this.keys;
    const due = await this.redis.zrangebyscore(k.active, "-inf", Date.now(), "LIMIT", 0, 50);
    const data = JSON.stringify([{ type: "RUN_ERROR", message: NODE_LOST_MESSAGE, code: "node_lost" }]);
    for (const runId of due) {
      if (this.publishers.has(runId)) continue;
      // A run's thread never changes, so reading it before the script races with nothing.
      const threadId = (await this.redis.hget(k.meta(runId), "threadId")) ?? "";
      const seq = Number(
        await this.redis.bcReapRun(
          k.lease(runId),
          k.events(runId),
          k.meta(runId),
          k.active,
          k.threadRuns(threadId),
          runId,
          this.host.resume.retentionMs,
          data,
        ),
      );
      if (seq <= 0) continue;
      this.host.logger.warn({ runId, seq }, "ended a run whose node stopped renewing its lease");
      if (this.reapedListeners.length === 0) continue;
      const reaped = await this.readReaped(runId);
      if (reaped) for (const fn of this.reapedListeners) await fn(reaped);
    }
  }

  private async readReaped(runId: string): Promise<ReapedRun | undefined> {
    const meta = await this.redis.hgetall(this.keys.meta(runId));
    if (!meta.input || !meta.principal) return undefined;
    const events: BaseEvent[] = [];
    let lastId = "-";
    for (;;) {
      const entries = parseEntries(
        await this.redis.xrange(
          this.keys.events(runId),
          lastId === "-" ? "-" : `(${lastId}`,
          "+",
          "COUNT",
          512,
        ),
      );
      if (!entries.length) break;
      lastId = entries.at(-1)!.id;
      for (const e of entries) events.push(...(JSON.parse(e.data) as BaseEvent[]));
    }
    return {
      runId,
      threadId: meta.threadId ?? "",
      agent: meta.agent ?? "",
      principalId: (JSON.parse(meta.principal) as Principal).id,
      input: JSON.parse(meta.input) as RunAgentInput,
      startedAt: Number(meta.startedAt) || Date.now(),
      events,
    };
  }

  private evictRemote(): void {
    const now = Date.now();
    for (const [runId, entry] of this.remote) {
      if (entry.mirror.subscriberCount > 0) entry.seen = now;
      else if (now - entry.seen > EVICT_AFTER_MS) {
        // Nobody follows it here any more; a later resume mirrors it again from Redis.
        this.remote.delete(runId);
        this.reader.remove(runId);
      }
    }
  }
}
