import type { RunAgentInput } from "@ag-ui/core";
import { context as otelContext } from "@opentelemetry/api";
import type { Agent } from "../agent.js";
import type { Cluster } from "../cluster/cluster.js";
import type { Logger } from "../logger.js";
import type { RunObserver } from "../ops/run-observer.js";
import { contextFrom, type TraceCarrier } from "../ops/tracing.js";
import type { Principal } from "../principal.js";
import type { ThreadFollowing } from "../store/thread-follow.js";
import { executeRun } from "./execute.js";
import type { RunRegistry } from "./registry.js";
import type { Run } from "./run.js";

/** What the launcher is built from. */
export interface LauncherDeps {
  readonly logger: Logger;
  readonly registry: RunRegistry;
  readonly runObserver: RunObserver;
  /** In a cluster runs are registered through Redis, and announced from there. */
  readonly cluster: Cluster | undefined;
  readonly following: ThreadFollowing;
  /** Send the agent's exception text in RUN_ERROR (`exposeErrors`). */
  readonly exposeErrors: boolean;
  /** Called with every run this process starts, in order (thread persistence first). */
  readonly listeners: ((run: Run) => void)[];
}

/**
 * Creates and starts runs: registers the run (here, or in a cluster through Redis), tells the
 * listeners, and executes the agent under the run's span.
 */
export class RunLauncher {
  constructor(private readonly deps: LauncherDeps) {}

  /** Adds a listener called with every run started from now on. */
  onStarted(fn: (run: Run) => void): void {
    this.deps.listeners.push(fn);
  }

  /**
   * Creates and starts a run. `trace` is the W3C trace context of the client's request; the
   * run's span joins it and the agent receives it as `ctx.traceparent`.
   */
  start(input: RunAgentInput, agent: Agent, principal: Principal, trace?: TraceCarrier): Run {
    const { registry, runObserver, cluster, following, exposeErrors } = this.deps;
    const logger = this.deps.logger.child({ runId: input.runId, agent: agent.name, principal: principal.id });
    const execute = (run: Run) => {
      const probe = runObserver.start(run, trace);
      void probe
        .within(() => executeRun(run, agent, logger, probe, { exposeErrors }))
        .then(() => logger.info({ status: run.status, events: run.lastSeq }, "run ended"));
    };
    // In a cluster the agent runs into an unregistered run whose events reach sessions through Redis.
    // The Redis registration of the run joins the caller's trace too.
    const run = cluster
      ? otelContext.with(contextFrom(trace), () => cluster.startRun(input, agent, principal, execute))
      : registry.create(input, agent.name, principal);
    logger.info({ threadId: run.threadId }, "run started");
    for (const fn of this.deps.listeners) fn(run);
    if (!cluster) {
      execute(run);
      // After the starting session followed its own run, so it is not announced to it as well.
      queueMicrotask(() => following.notify(run));
    }
    return run;
  }
}
