import type { BaseEvent, RunAgentInput } from "@ag-ui/core";
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

export type ClientFrame = AuthFrame | RunFrame | ResumeFrame | CancelFrame | PingFrame | ClientPongFrame;
export type ClientFrameType = ClientFrame["type"];
export const CLIENT_FRAME_TYPES: readonly ClientFrameType[] = [
  "auth",
  "run",
  "resume",
  "cancel",
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
  | ServerPongFrame
  | ServerPingFrame;
export type ServerFrameType = ServerFrame["type"];
