/**
 * The opt-in response cache, hooked into the run start path in one place
 * (`ResponseCache.serve`, called by the run core's `start`): it wraps the agent of a run.
 * On a hit the wrapped agent replays the cached events at once, after a `CUSTOM` event
 * `backchannel.cache_hit`, inside a real run (own runId and seq, RUN_STARTED/RUN_FINISHED,
 * persisted like any run). On a miss it runs the agent and, if the run finished cleanly,
 * stores what it yielded. See the server README, "Response cache".
 * @module
 */
import type { RunAgentInput } from "@ag-ui/core";
import { CACHE_HIT_EVENT, type CacheHitValue } from "@backchannel/protocol";
import type { Logger } from "pino";
import type { Agent, AgentContext, AgentEvent } from "../agent.js";
import { ConfigError } from "../errors.js";
import type { AgentLogger } from "../logger.js";
import type { Principal } from "../principal.js";
import { cacheKey, defaultKeyParts } from "./key.js";
import { renewIds, storable, uncacheableBecause } from "./replay.js";
import type { CachePurgeFilter, CacheScope, ResponseCacheOptions, ResponseCacheStore } from "./types.js";

/** `responseCache` in the runtime options. */
export interface RuntimeCacheOptions extends Partial<ResponseCacheOptions> {
  /**
   * Settings by agent name (override the defaults above; `false` turns caching off for that
   * agent). An agent's own `cache` property wins over both.
   */
  agents?: Record<string, ResponseCacheOptions | false>;
  /**
   * Where entries live. @default the thread store's tables (SQLite, Postgres); Redis in a
   * cluster; memory with `store: false` or a custom thread store
   */
  store?: ResponseCacheStore;
  /** Answers larger than this (JSON bytes of their events) are not stored. @default 1048576 */
  maxEntryBytes?: number;
}

/** The settings that apply to one agent. */
interface Resolved {
  ttlMs: number;
  scope: CacheScope;
  key: ResponseCacheOptions["key"];
}

/** The response cache of one runtime. */
export class ResponseCache {
  private readonly pending = new Set<Promise<void>>();
  private readonly maxEntryBytes: number;

  constructor(
    private readonly options: RuntimeCacheOptions | undefined,
    /** The store, chosen on first use (the thread store and cluster exist by then). */
    private readonly store: () => ResponseCacheStore,
    private readonly logger: Logger,
    /** Told of every lookup (the runtime counts them in its hit/miss metrics). */
    private readonly onLookup: (hit: boolean) => void = () => {},
  ) {
    this.maxEntryBytes = options?.maxEntryBytes ?? 1024 * 1024;
    for (const [name, o] of Object.entries(options?.agents ?? {}))
      if (o) check(o, `responseCache.agents.${name}`);
    if (options?.ttlMs !== undefined) check(options as ResponseCacheOptions, "responseCache");
  }

  /** Checks `agent.cache` at construction time. */
  validateAgent(agent: Agent): void {
    if (agent.cache) check(agent.cache, `agent '${agent.name}'.cache`);
  }

  /** The cache settings of `agent`, or undefined when its answers are not cached. */
  settingsFor(agent: Agent): Resolved | undefined {
    if (agent.cache === false) return undefined;
    const byName = this.options?.agents?.[agent.name];
    if (byName === false) return undefined;
    const own = agent.cache ?? byName;
    const ttlMs = own?.ttlMs ?? this.options?.ttlMs;
    if (ttlMs === undefined || ttlMs <= 0) return undefined;
    return {
      ttlMs,
      scope: own?.scope ?? this.options?.scope ?? "principal",
      key: own?.key ?? this.options?.key,
    };
  }

  /**
   * The agent a run of `agent` for `principal` should execute: `agent` itself when its answers
   * are not cached, else a wrapper that serves from and fills the cache.
   */
  serve(agent: Agent, principal: Principal): Agent {
    const settings = this.settingsFor(agent);
    if (!settings) return agent;
    return {
      name: agent.name,
      description: agent.description,
      run: (input, ctx) => this.run(agent, settings, principal, input, ctx),
    };
  }

  /**
   * Removes entries: all of them (`{}`), or those of an agent, a principal or a thread. The
   * admin call behind `sdk.purgeResponseCache`; the core's `deleteThread` purges its thread's.
   */
  purge(filter: CachePurgeFilter = {}): Promise<number> {
    return this.store().purge(filter);
  }

  /** Waits for entries still being written (at shutdown, before the stores close). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  private async *run(
    agent: Agent,
    settings: Resolved,
    principal: Principal,
    input: RunAgentInput,
    ctx: AgentContext,
  ): AsyncGenerator<AgentEvent> {
    const key = await this.keyOf(agent, settings, principal, input, ctx);
    const hit = key === undefined ? undefined : await this.lookup(key, ctx);
    if (key !== undefined) this.onLookup(hit !== undefined && hit !== null);
    if (hit) {
      const { events, messageIds } = renewIds(hit.events);
      const value: CacheHitValue = {
        cachedAt: hit.createdAt,
        ageMs: Math.max(0, Date.now() - hit.createdAt),
        scope: settings.scope,
        messageIds,
      };
      ctx.logger.info({ ageMs: value.ageMs, scope: settings.scope }, "served from the response cache");
      yield { type: "CUSTOM", name: CACHE_HIT_EVENT, value };
      yield* events;
      return;
    }
    const clientTools = new Set((input.tools ?? []).map((t) => t.name));
    const recorded: Record<string, unknown>[] = [];
    let refused: string | undefined = key === undefined ? "no key" : undefined;
    const store = () => {
      if (refused || ctx.signal.aborted || key === undefined) return;
      refused = "stored";
      this.save(key, agent.name, settings, principal, input.threadId, recorded, ctx.logger);
    };
    for await (const event of await agent.run(input, ctx)) {
      refused ??= uncacheableBecause(event, clientTools);
      const kept = refused ? undefined : storable(event);
      if (kept) recorded.push(kept);
      // The runtime stops pulling once the agent's own RUN_FINISHED ended the run: store first.
      if ((event as { type?: unknown }).type === "RUN_FINISHED") store();
      yield event;
    }
    store();
  }

  private async keyOf(
    agent: Agent,
    settings: Resolved,
    principal: Principal,
    input: RunAgentInput,
    ctx: AgentContext,
  ): Promise<string | undefined> {
    try {
      const requestKey = settings.key
        ? await settings.key(input, { agent: agent.name, principal })
        : defaultKeyParts(input);
      return requestKey === undefined
        ? undefined
        : cacheKey(agent.name, settings.scope, principal, requestKey);
    } catch (err) {
      ctx.logger.warn({ err }, "response cache key function threw; running the agent uncached");
      return undefined;
    }
  }

  private async lookup(key: string, ctx: AgentContext) {
    try {
      return await this.store().get(key, Date.now());
    } catch (err) {
      // A cache outage must cost speed, never answers.
      ctx.logger.warn({ err }, "response cache lookup failed; running the agent");
      return undefined;
    }
  }

  private save(
    key: string,
    agent: string,
    settings: Resolved,
    principal: Principal,
    threadId: string,
    events: Record<string, unknown>[],
    logger: AgentLogger,
  ): void {
    const bytes = Buffer.byteLength(JSON.stringify(events));
    if (bytes > this.maxEntryBytes) {
      logger.debug({ bytes, maxEntryBytes: this.maxEntryBytes }, "answer too large for the response cache");
      return;
    }
    const now = Date.now();
    const write = this.store()
      .put({
        key,
        agent,
        principalId: settings.scope === "global" ? null : principal.id,
        threadId,
        events,
        createdAt: now,
        expiresAt: now + settings.ttlMs,
      })
      .catch((err) => logger.warn({ err }, "response cache write failed"))
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }
}

function check(o: ResponseCacheOptions, where: string): void {
  if (!Number.isFinite(o.ttlMs) || o.ttlMs <= 0)
    throw new ConfigError(`${where}.ttlMs must be a positive number of ms (e.g. 300000 for 5 minutes)`);
  if (o.scope !== undefined && o.scope !== "principal" && o.scope !== "global")
    throw new ConfigError(`${where}.scope must be "principal" or "global"`);
  if (o.key !== undefined && typeof o.key !== "function")
    throw new ConfigError(
      `${where}.key must be a function (input, { agent, principal }) => string | undefined`,
    );
}
