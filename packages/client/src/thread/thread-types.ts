/**
 * Options and snapshot of `AgentThread`.
 * @module
 */
import type { Interrupt, Message, State } from "@ag-ui/core";
import type { BackchannelClient } from "../client.js";
import type { BackchannelError } from "../errors.js";
import type { PendingToolCall } from "./client-tools.js";

/**
 * What `sendMessage` does while a run (or a client tool) is in progress:
 * - `"queue"`: hold the message (see `queuedMessages`) and send it when the current run ends.
 * - `"reject"`: return a promise rejected with `run_in_progress`; nothing is sent.
 * - `"interrupt"`: cancel the current run (and answer open client tool calls as cancelled), then
 *   send this message once the cancelled run has ended. Runs of a thread never overlap, so agents
 *   that keep per-thread state never see two at once.
 */
export type WhileRunningPolicy = "queue" | "reject" | "interrupt";

/**
 * How an answer ended before it was complete: `"stopped"` (its run was cancelled: `stop()`,
 * `whileRunning: "interrupt"`, `regenerate()` mid-answer) or `"failed"` (its run failed:
 * RUN_ERROR, `resume_unavailable` after a server restart, the connection given up).
 */
export type AnswerEnding = "stopped" | "failed";

/** Options of `new AgentThread(options)`. */
export interface AgentThreadOptions {
  /** The connection to run on. */
  client: BackchannelClient;
  /** The agent to talk to (one of `client.ready.agents`). */
  agent: string;
  /** The conversation's id. @default a random UUID */
  threadId?: string;
  /** Messages the thread starts with (e.g. loaded history). @default [] */
  initialMessages?: Message[];
  /** Agent state the thread starts with (sent as `input.state`). @default {} */
  initialState?: State;
  /**
   * `endedEarly` marks the thread starts with, by message id: e.g. for a stored conversation
   * whose last run failed or was cancelled (`ThreadHistory.lastRunStatus`). @default {}
   */
  endedEarly?: Readonly<Record<string, AnswerEnding>>;
  /**
   * Minimum time between change notifications. `0` notifies synchronously after every change.
   * @default undefined: once per animation frame in browsers, every 16 ms elsewhere
   */
  throttleMs?: number;
  /** See `WhileRunningPolicy`. @default "queue" */
  whileRunning?: WhileRunningPolicy;
  /**
   * Automatic follow-up runs after client tool calls, per `sendMessage`, before the thread
   * stops with a `tool_failed` error (guards against a model that calls tools forever). @default 10
   */
  maxToolRoundtrips?: number;
  /** Sent as `input.forwardedProps` of every run; a function is called per run. */
  forwardedProps?: unknown;
  /**
   * Called just before each run's input is built. The copilot session applies context updates
   * it is still coalescing here, so a run always carries the latest value.
   */
  beforeRun?: () => void;
  /**
   * Follow the thread live (`client.joinThread(threadId)`): runs another tab or device starts
   * on it appear here as they stream, first the conversation they were started with (the
   * other tab's question), then their answer; a run in flight when the thread is created is
   * followed from its start. The thread stays busy (`isRunning`) while one streams; messages
   * sent meanwhile wait (`whileRunning`), and `stop()` cancels it. Runs this thread starts
   * are never shown twice. Join failures (`forbidden`, `unavailable`) go to `onError`.
   * @default false
   */
  follow?: boolean;
  /** Called with every error: failed runs, tool handler failures, state patches that did not apply. */
  onError?: (error: BackchannelError) => void;
}

/** What a UI renders. Immutable; the same object until something in it changes. */
export interface AgentThreadSnapshot {
  readonly threadId: string;
  /** The transcript: user, assistant (with `toolCalls`), tool, reasoning and activity messages. */
  readonly messages: readonly Message[];
  /** The agent's shared state. */
  readonly state: State;
  /** A run is streaming, client tools are running, or a follow-up run is about to start. */
  readonly isRunning: boolean;
  /** Why the last run failed (cleared when the next one starts). */
  readonly error: BackchannelError | null;
  /** The run in flight, if any. */
  readonly currentRunId: string | null;
  /** Client tool calls waiting for an answer (from their handler or from `respond`/`fail`). */
  readonly pendingToolCalls: readonly PendingToolCall[];
  /** What the last run is waiting for (RUN_FINISHED with an interrupt outcome); answer with `resumeInterrupt`. */
  readonly interrupts: readonly Interrupt[];
  /** Messages sent while busy with `whileRunning: "queue"`, not yet in the transcript. */
  readonly queuedMessages: readonly Message[];
  /**
   * Answers cut off, by message id: the last assistant message of each run that was cancelled
   * (`"stopped"`) or failed (`"failed"`) after it had started answering. A UI shows a marker,
   * and for the latest answer a retry (`regenerate()`).
   */
  readonly endedEarly: Readonly<Record<string, AnswerEnding>>;
}

/** A message as `sendMessage` takes it: content, and optionally an id and attachments' parts. */
export interface OutgoingMessage {
  role?: "user";
  content: Extract<Message, { role: "user" }>["content"];
  id?: string;
  name?: string;
}
