import type { RunAgentInput } from "@ag-ui/core";
import type { AgentInfo } from "@backchannel/protocol";
import type { Logger } from "pino";
import type { Agent } from "../agent.js";
import type { Authenticator } from "../auth/authenticator.js";
import type { RunRateLimiter } from "../limits/run-rate-limit.js";
import type { ResolvedLimits } from "../options.js";
import type { Principal } from "../principal.js";
import type { FollowTransport } from "../runs/abandoned-runs.js";
import type { RunRegistry } from "../runs/registry.js";
import type { Run } from "../runs/run.js";

/** What a session needs from the runtime that owns it. Implemented by CopilotKitSDK. */
export interface SessionHost {
  readonly logger: Logger;
  readonly authenticator: Authenticator;
  readonly registry: RunRegistry;
  readonly limits: ResolvedLimits;
  readonly heartbeatMs: number;
  readonly idleTimeoutMs: number;
  readonly resumeRetentionMs: number;
  readonly rateLimiter: RunRateLimiter;
  findAgent(name: string): Agent | undefined;
  agentInfos(): AgentInfo[];
  /** Registers an authenticated session; returns a refusal reason when over a connection limit. */
  admit(principal: Principal, sessionId: string): string | undefined;
  release(principal: Principal, sessionId: string): void;
  /** Throws a BackchannelServerError (code `forbidden`) when `principal` may not run on `input.threadId`. */
  authorizeRun(principal: Principal, input: RunAgentInput): Promise<void>;
  /** Creates and starts a run. */
  startRun(input: RunAgentInput, agent: Agent, principal: Principal): Run;
  /** A run missing from `registry` but known elsewhere (another cluster node); optional. */
  locateRun?(runId: string): Promise<Run | undefined>;
  /** `join`: checks `principal` may follow `threadId` and returns its runs in flight; optional. */
  joinThread?(principal: Principal, threadId: string): Promise<Run[]>;
  /** Whether `principal` may see `run` (own run, or a thread it may follow); optional. */
  mayFollow?(principal: Principal, run: Run): Promise<boolean>;
  /** Calls `fn` for each run started on `threadId` from now on; returns the unsubscribe; optional. */
  followThread?(threadId: string, fn: (run: Run) => void): () => void;
  /** A client stream following `run` went away (abandoned-run rule); optional. */
  runLeft?(run: Run, transport: FollowTransport): void;
}
