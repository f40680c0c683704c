import type { AgentInfo } from "@backchannel/protocol";
import type { Authenticator } from "../auth/authenticator.js";
import type { RunCore } from "../core/run-core.js";
import type { ResolvedLimits } from "../limits/limit-options.js";
import type { Logger } from "../logger.js";
import type { RuntimeMetrics } from "../ops/metrics.js";
import type { Principal } from "../principal.js";
import type { Run } from "../runs/run.js";
import type { ReplayScheduler } from "./replay-scheduler.js";

/**
 * What a session (and the HTTP binding) needs from the runtime that owns it. Every run-level
 * decision goes through `core`; the rest is connection bookkeeping. Implemented by the runtime.
 */
export interface SessionHost {
  readonly logger: Logger;
  readonly authenticator: Authenticator;
  readonly limits: ResolvedLimits;
  readonly heartbeatMs: number;
  readonly idleTimeoutMs: number;
  readonly resumeRetentionMs: number;
  /** Start, resume, cancel, join: the transport-neutral run policy. */
  readonly core: RunCore;
  agentInfos(): AgentInfo[];
  /** Registers an authenticated session; returns a refusal reason when over a connection limit. */
  admit(principal: Principal, sessionId: string): string | undefined;
  release(principal: Principal, sessionId: string): void;
  /** Calls `fn` for each run started on `threadId` from now on; returns the unsubscribe. */
  followThread(threadId: string, fn: (run: Run) => void): () => void;
  /** The runtime's metrics (slow consumers, events sent); optional (hosts in unit tests may have none). */
  readonly metrics?: RuntimeMetrics;
  /** Shares replay work (resume, catch-up) fairly between principals; optional. */
  readonly replay?: ReplayScheduler;
}
