import type { BaseEvent, Message, RunAgentInput } from "@ag-ui/core";
import type { ErrorCode } from "./error-codes.js";

/** An agent as advertised by the server in `ready` and `/health`. */
export interface AgentInfo {
  name: string;
  description: string;
}

// ---------------------------------------------------------------- client → server

/** Authenticate (first frame) or refresh credentials on a live socket. */
export interface AuthFrame {
  type: "auth";
  token: string;
}

/** Start a run. `input.runId` is the run's id; `id` correlates errors with this request. */
export interface RunFrame {
  type: "run";
  id: string;
  agent: string;
  input: RunAgentInput;
  /**
   * W3C trace context of the caller (`00-<trace-id>-<span-id>-<flags>`): the run's span joins
   * this trace and the agent receives it, so one trace spans browser, runtime and agent.
   */
  traceparent?: string;
  /** W3C `tracestate` accompanying `traceparent`, handed on unchanged. */
  tracestate?: string;
}

/** Replay every event of `runId` with seq > `after`, then continue live. `after: 0` replays all. */
export interface ResumeFrame {
  type: "resume";
  runId: string;
  after: number;
  id?: string;
}

/** Stop a run: the agent's AbortSignal fires and the run ends with RUN_FINISHED (outcome cancelled). */
export interface CancelFrame {
  type: "cancel";
  runId: string;
  id?: string;
}

/** Heartbeat. The server answers with `pong` carrying the same `ts`. */
export interface PingFrame {
  type: "ping";
  ts?: number;
}

/** Answer to a server `ping`. */
export interface ClientPongFrame {
  type: "pong";
  ts?: number;
}

/**
 * Follow a thread: the server answers `joined` listing the thread's runs in flight, then
 * streams each of them (from the start, or for `runId` after `after`), and keeps announcing
 * (`thread_run`) and streaming every run started on the thread later, by any tab or device
 * of a principal allowed to follow it, until `leave` or the socket closes.
 */
export interface JoinFrame {
  type: "join";
  threadId: string;
  id?: string;
  /** A run of the thread this client already saw part of: stream it after `after` instead of from the start. */
  runId?: string;
  after?: number;
}

/** Stop following a thread. Runs already being streamed continue to their end. */
export interface LeaveFrame {
  type: "leave";
  threadId: string;
  id?: string;
}

/**
 * How this socket wants to be served, sent after `ready` to a server whose `ready` carries
 * `maxMergeMs`. Fields absent keep their current value.
 */
export interface OptionsFrame {
  type: "options";
  /**
   * The reader shows deltas at most once per this many ms (a UI painting once per animation
   * frame): the server merges each run's text and tool-argument deltas that arrive within the
   * window into one frame (see "Merged deltas" in docs/protocol.md). Capped at
   * `ready.maxMergeMs`; 0 (the default) turns it off.
   */
  mergeMs?: number;
}

export type ClientFrame =
  | AuthFrame
  | OptionsFrame
  | RunFrame
  | ResumeFrame
  | CancelFrame
  | JoinFrame
  | LeaveFrame
  | PingFrame
  | ClientPongFrame;
export type ClientFrameType = ClientFrame["type"];
export const CLIENT_FRAME_TYPES: readonly ClientFrameType[] = [
  "auth",
  "options",
  "run",
  "resume",
  "cancel",
  "join",
  "leave",
  "ping",
  "pong",
];

// ---------------------------------------------------------------- server → client

/** Who the server believes is connected. Never carries the credential itself. */
export interface PrincipalInfo {
  id: string;
  kind: "user" | "api_key" | "anonymous";
}

/** Sent once, after authentication succeeds. Nothing but `pong`/`error` precedes it. */
export interface ReadyFrame {
  type: "ready";
  protocol: "backchannel.v1";
  sessionId: string;
  agents: AgentInfo[];
  principal: PrincipalInfo;
  /** The client should send `ping` this often. */
  heartbeatMs: number;
  /** Silence after which either side drops the other. */
  idleTimeoutMs: number;
  /** Largest frame the server accepts. */
  maxFrameBytes: number;
  /** When the credentials expire (ms since epoch); send a fresh `auth` before then. */
  expiresAt?: number;
  /** How long a finished run stays resumable, in ms. */
  resumeRetentionMs: number;
  /**
   * The largest `options.mergeMs` the server honours. Absent on servers that do not know the
   * `options` frame: never send it to them (an unknown frame type closes the socket with 1007).
   */
  maxMergeMs?: number;
}

/** Answer to a successful re-`auth` on an open socket. */
export interface AuthOkFrame {
  type: "auth_ok";
  expiresAt?: number;
}

/**
 * One AG-UI event of one run. `seq` starts at 1 and is contiguous per run. When the
 * server merged consecutive text deltas for a slow consumer, `first` is the seq of the
 * first merged event and the frame stands for seqs `first..seq`.
 */
export interface EventFrame<E extends BaseEvent = BaseEvent> {
  type: "event";
  runId: string;
  seq: number;
  first?: number;
  event: E;
}

/** A recoverable problem. The socket stays open. */
export interface ErrorFrame {
  type: "error";
  code: ErrorCode | (string & {});
  message: string;
  /** The `id` of the client frame this answers, when it had one. */
  id?: string;
  runId?: string;
  /** For `rate_limited`: when to try again. */
  retryAfterMs?: number;
}

/** A run of a followed thread, as `joined` lists it. */
export interface ThreadRunInfo {
  runId: string;
  agent: string;
  /** Highest seq produced when the server answered. */
  lastSeq: number;
}

/** Answer to `join`: the thread is followed; `runs` are in flight and are streamed next. */
export interface JoinedFrame {
  type: "joined";
  threadId: string;
  id?: string;
  runs: ThreadRunInfo[];
}

/**
 * Sent before the events of a run the client did not start but follows through `join` (at
 * join time and for each later run). `messages` is the run's input conversation, so a
 * follower can show the message that started it.
 */
export interface ThreadRunFrame {
  type: "thread_run";
  threadId: string;
  runId: string;
  agent: string;
  messages: Message[];
}

export interface ServerPongFrame {
  type: "pong";
  ts?: number;
}

export interface ServerPingFrame {
  type: "ping";
  ts?: number;
}

export type ServerFrame =
  | ReadyFrame
  | AuthOkFrame
  | EventFrame
  | ErrorFrame
  | JoinedFrame
  | ThreadRunFrame
  | ServerPongFrame
  | ServerPingFrame;
export type ServerFrameType = ServerFrame["type"];
