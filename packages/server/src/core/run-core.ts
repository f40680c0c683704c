/**
 * The run core: every run-level decision, once, for every binding. Start (with rate limit,
 * authorization and retry-as-resume), resume, attach, cancel and join answer typed outcomes
 * (`{ ok: true, ... }` or a refusal with a protocol error code); the WebSocket session and the
 * HTTP routes only translate frames/requests in and outcomes out. A new binding is one adapter
 * over this class. See docs/architecture.md.
 * @module
 */
import type { RunAgentInput } from "@ag-ui/core";
import { ErrorCode, HttpOnlyErrorCode } from "@backchannel/protocol";
import type { Agent } from "../agent.js";
import type { ResponseCache } from "../cache/response-cache.js";
import { BackchannelServerError } from "../errors.js";
import type { RunRateLimiter } from "../limits/run-rate-limit.js";
import type { Logger } from "../logger.js";
import type { RuntimeMetrics } from "../ops/metrics.js";
import type { RunObserver } from "../ops/run-observer.js";
import type { TraceCarrier } from "../ops/tracing.js";
import type { Principal } from "../principal.js";
import type { AbandonedRuns, FollowTransport } from "../runs/abandoned-runs.js";
import type { RunRegistry } from "../runs/registry.js";
import type { Run } from "../runs/run.js";
import type { ThreadPersistence } from "../store/persistence.js";
import type { InFlight } from "./in-flight.js";
import { type Outcome, type Refusal, refusalFrom, refuse } from "./outcome.js";
import { NOT_YOURS, type RunAccess } from "./run-access.js";

/** What the run core works with. Built by the runtime (see runtime.ts); no binding sees these. */
export interface RunCoreDeps {
  readonly logger: Logger;
  readonly registry: RunRegistry;
  readonly access: RunAccess;
  /** The agent named `name`, if hosted. */
  findAgent(name: string): Agent | undefined;
  /** Names of the hosted agents (for `unknown_agent` messages). */
  agentNames(): string[];
  /** The start-rate limiter (per principal). */
  rateLimiter(): RunRateLimiter;
  /** The run authorizers (thread ownership, app hooks); throw a BackchannelServerError to refuse. */
  authorizeRun(principal: Principal, input: RunAgentInput): Promise<void>;
  /** Creates and starts the run (locally, or through the cluster); `trace` is the caller's trace context. */
  launch(input: RunAgentInput, agent: Agent, principal: Principal, trace?: TraceCarrier): Run;
  /** A run missing from `registry` but known elsewhere (another cluster node); throws `unavailable`. */
  locateRun(runId: string): Promise<Run | undefined>;
  /** `join`: checks `principal` may follow `threadId`; its runs in flight. */
  joinThread(principal: Principal, threadId: string): Promise<Run[]>;
  /** Thread persistence, when configured (deleting threads). */
  threads(): ThreadPersistence | undefined;
  /** The abandoned-run rule (cancel runs nobody follows any more). */
  readonly abandoned: AbandonedRuns;
  /** The opt-in response cache: may serve a run's answer from cache; purged with a thread. */
  readonly responseCache?: Pick<ResponseCache, "serve" | "purge">;
  /** Counts resumes by result (`backchannel_resumes_total`); optional. */
  readonly metrics?: RuntimeMetrics;
  /** Marks resumed runs on their span; optional. */
  readonly runObserver?: RunObserver;
}

/** How a binding asks to start a run. */
export interface StartRequest {
  /** The agent's name (`run.agent`, or `:name` in the HTTP path). */
  agent: string;
  input: RunAgentInput;
  /** For a retry: resume after this seq (HTTP `Last-Event-ID`). @default 0 */
  after?: number;
  /** The caller's W3C trace context (`run` frame fields, HTTP `traceparent` header). */
  trace?: TraceCarrier;
}

/** Per-call context a binding passes to `start`. */
export interface StartContext {
  /** The connection's in-flight runs (`limits.maxRunsPerConnection`); absent for HTTP. */
  inFlight?: InFlight;
  /** True once the requester went away during the awaits: nothing is started for nobody. */
  gone?(): boolean;
  /**
   * Admits the binding's stream right before the run starts (connection limits), so a refused
   * stream starts nothing. Return a refusal to refuse.
   */
  admit?(): Refusal | undefined;
}

/** A started run, or a retry served as a resume of the run already known under that runId. */
export type Started = { run: Run; retry: boolean; after: number };

/** Outcome of `start`; `gone` means the requester left and nothing was started. */
export type StartOutcome = Outcome<Started> | { ok: false; code: "gone"; message: string };

/** The `not_found` message for a thread. */
export function noThread(threadId: string): string {
  return `No thread '${threadId.slice(0, 64)}' (deleted, expired, or never saved)`;
}

/** A store call whose failure is an outage (`unavailable`), not an internal error. */
export async function storeCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof BackchannelServerError) throw err;
    throw new BackchannelServerError(
      ErrorCode.Unavailable,
      "Conversation history is unavailable right now (database unreachable); retry shortly",
      { cause: err },
    );
  }
}

/** The run core. One per runtime. */
export class RunCore {
  constructor(private readonly deps: RunCoreDeps) {}

  /** The run with this id, on this node or (in a cluster) mirrored from another. Throws `unavailable`. */
  async findRun(runId: string): Promise<Run | undefined> {
    return this.deps.registry.get(runId) ?? (await this.deps.locateRun(runId));
  }

  /**
   * Starts a run, in this order: a known runId is a retry (served as a resume from `after`, to
   * its owner only: `run_conflict` otherwise); unknown agent; the connection's in-flight limit;
   * the rate limit; the authorizers; then the start (a duplicate that raced the awaits is a
   * retry again).
   */
  async start(principal: Principal, req: StartRequest, ctx: StartContext = {}): Promise<StartOutcome> {
    const { input } = req;
    try {
      const existing = await this.findRun(input.runId);
      if (existing) return this.retry(principal, existing, req.after ?? 0);
    } catch (err) {
      return refusalFrom(err, this.deps.logger);
    }
    const agent = this.deps.findAgent(req.agent);
    if (!agent) {
      return refuse(
        ErrorCode.UnknownAgent,
        `No agent named '${req.agent}'. Available: ${this.deps.agentNames().join(", ") || "(none)"}`,
      );
    }
    const slots = ctx.inFlight;
    if (slots && !slots.tryTake()) {
      return refuse(
        ErrorCode.TooManyRuns,
        `This connection already has ${slots.size} runs in flight; wait for one to finish or cancel one`,
      );
    }
    let run: Run | undefined;
    try {
      const outcome = await this.admitAndLaunch(principal, req, agent, ctx);
      if (outcome.ok && !outcome.retry) run = outcome.run;
      return outcome;
    } finally {
      if (slots) {
        if (run) void run.done.then(() => slots.release());
        else slots.release();
      }
    }
  }

  private async admitAndLaunch(
    principal: Principal,
    req: StartRequest,
    agent: Agent,
    ctx: StartContext,
  ): Promise<StartOutcome> {
    const { input } = req;
    try {
      const decision = await this.deps.rateLimiter().take(principal.id);
      if (!decision.ok) {
        return refuse(
          ErrorCode.RateLimited,
          `Too many runs; retry in ${decision.retryAfterMs} ms`,
          decision.retryAfterMs,
        );
      }
      await this.deps.authorizeRun(principal, input);
      // A duplicate may have raced us through the awaits above.
      const raced = await this.findRun(input.runId);
      if (raced) return this.retry(principal, raced, req.after ?? 0);
    } catch (err) {
      return refusalFrom(err, this.deps.logger);
    }
    // Checked after the last await: a socket closed meanwhile (a draining node closes them all
    // with 1012) starts nothing here; its client sends the run again to the node it reconnects to.
    if (ctx.gone?.()) return { ok: false, code: "gone", message: "The requester went away" };
    const refused = ctx.admit?.();
    if (refused) return refused;
    // The response cache's one hook: the agent of a cached agent's run may answer from it.
    const served = this.deps.responseCache?.serve(agent, principal) ?? agent;
    return { ok: true, run: this.deps.launch(input, served, principal, req.trace), retry: false, after: 0 };
  }

  /** A `run` whose runId is known: the client retried. Its owner gets a resume from `after`. */
  private async retry(principal: Principal, run: Run, after: number): Promise<Outcome<Started>> {
    if (run.principal.id !== principal.id) {
      return refuse(
        ErrorCode.RunConflict,
        "This runId is already in use; generate a fresh runId for a new run",
      );
    }
    const attached = await this.readable(principal, run, after);
    return attached.ok ? { ok: true, run, retry: true, after } : attached;
  }

  /**
   * Resume: the events of `runId` after seq `after`, for its owner or a principal allowed to
   * follow its thread (see RunAccess). Unknown runs and runs whose events after `after` are
   * gone are `resume_unavailable`; another principal's run `forbidden`.
   */
  async resume(
    principal: Principal,
    runId: string,
    after: number,
  ): Promise<Outcome<{ run: Run; after: number }>> {
    const outcome = await this.resumeOutcome(principal, runId, after);
    // Counted here, once for every binding: ok, forbidden, or unavailable (unknown, gone from the buffer, Redis down).
    this.deps.metrics?.resume(
      outcome.ok ? "ok" : outcome.code === ErrorCode.Forbidden ? "forbidden" : "unavailable",
    );
    if (outcome.ok) this.deps.runObserver?.resumed(runId);
    return outcome;
  }

  private async resumeOutcome(
    principal: Principal,
    runId: string,
    after: number,
  ): Promise<Outcome<{ run: Run; after: number }>> {
    let run: Run | undefined;
    try {
      run = await this.findRun(runId);
    } catch (err) {
      return refusalFrom(err, this.deps.logger);
    }
    if (!run) {
      return refuse(
        ErrorCode.ResumeUnavailable,
        "This run is no longer resumable (unknown, or finished too long ago); reload the thread history instead",
      );
    }
    return this.readable(principal, run, after);
  }

  /** The access rule, then whether the run's buffer still holds the events after `after`. */
  private async readable(
    principal: Principal,
    run: Run,
    after: number,
  ): Promise<Outcome<{ run: Run; after: number }>> {
    const access = await this.deps.access.read(principal, run);
    if (!access.ok) return access;
    const attached = this.attach(run, after);
    return attached.ok ? { ok: true, run, after } : attached;
  }

  /**
   * Whether a binding can stream `run` after `after` (its buffer still holds those events).
   * The access decision must already have been made (resume, start, join).
   */
  attach(run: Run, after: number): Outcome<{ run: Run; after: number }> {
    if (!run.canReplayFrom(after)) {
      return refuse(
        ErrorCode.ResumeUnavailable,
        `Events after seq ${after} are no longer buffered; reload the thread history instead`,
      );
    }
    return { ok: true, run, after };
  }

  /** Cancel: the owner's alone. Cancelling an ended run changes nothing (`run.status` tells how it ended). */
  async cancel(principal: Principal, runId: string, via: string): Promise<Outcome<{ run: Run }>> {
    let run: Run | undefined;
    try {
      run = await this.findRun(runId);
    } catch (err) {
      return refusalFrom(err, this.deps.logger);
    }
    if (!run) return refuse(ErrorCode.UnknownRun, `No run '${runId.slice(0, 128)}' on this server`);
    if (run.principal.id !== principal.id) return refuse(ErrorCode.Forbidden, NOT_YOURS);
    if (!run.ended) {
      this.deps.logger.info({ runId: run.id, transport: via }, "run cancelled by client");
      run.cancel();
    }
    return { ok: true, run };
  }

  /** Join: whether `principal` may follow `threadId`, and its runs in flight (any node). */
  async join(principal: Principal, threadId: string): Promise<Outcome<{ runs: Run[] }>> {
    try {
      return { ok: true, runs: await this.deps.joinThread(principal, threadId) };
    } catch (err) {
      return refusalFrom(err, this.deps.logger);
    }
  }

  /**
   * Deletes a thread for `principal` (who must be allowed `delete`): its runs are cancelled
   * everywhere first (a run ending after the delete finds no thread and writes nothing), then
   * the thread goes, then this node forgets its runs, so resuming them is `resume_unavailable`.
   */
  async deleteThread(principal: Principal, threadId: string): Promise<Outcome<object>> {
    const threads = this.deps.threads();
    if (!threads) return refuse(HttpOnlyErrorCode.NotFound, noThread(threadId));
    try {
      const verdict = await threads.check(principal, threadId, "delete");
      if (verdict === "not_found") return refuse(HttpOnlyErrorCode.NotFound, noThread(threadId));
      if (verdict === "forbidden") return refuse(ErrorCode.Forbidden, "This thread belongs to another user");
      await threads.cancelThreadRuns(threadId);
      await storeCall(() => threads.store.deleteThread(threadId));
      // The answers its runs produced go with it.
      await this.deps.responseCache
        ?.purge({ threadId })
        .catch((err) =>
          this.deps.logger.warn({ err, threadId }, "purging the thread's cached answers failed"),
        );
    } catch (err) {
      return refusalFrom(err, this.deps.logger);
    }
    this.deps.registry.forgetThread(threadId);
    return { ok: true };
  }

  /** A client stream following `run` over `transport` went away: the abandoned-run rule decides. */
  left(run: Run, transport: FollowTransport): void {
    this.deps.abandoned.left(run, transport);
  }

  /** Whether `principal` may see `run` (announcing a followed thread's runs): the resume rule. */
  mayRead(principal: Principal, run: Run): Promise<boolean> {
    return this.deps.access.mayRead(principal, run);
  }
}
