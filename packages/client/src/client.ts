/**
 * `createClient`: one WebSocket to a Backchannel runtime, shared by every run.
 * @module
 */
import type { RunAgentInput } from "@ag-ui/core";
import type { ReadyFrame } from "@backchannel/protocol";
import { Connection, type ConnectionSnapshot, type ConnectionState } from "./connection.js";
import type { BackchannelError } from "./errors.js";
import { randomId } from "./ids.js";
import { type ClientOptions, resolveOptions } from "./options.js";
import type { RunHandle } from "./run-handle.js";
import { RunRegistry } from "./run-registry.js";
import { type JoinThreadOptions, type ThreadFollow, ThreadFollows } from "./thread-follow.js";

/** What `startRun` takes. Everything in `input` is optional; ids are generated when absent. */
export interface StartRunOptions {
  /** Name of the agent (one of `ready.agents`). */
  agent: string;
  /** AG-UI RunAgentInput. Missing `threadId`/`runId` get random UUIDs, missing lists become `[]`. */
  input?: Partial<RunAgentInput>;
  /**
   * W3C `traceparent` of the browser's current span (e.g. from your OpenTelemetry web SDK): the
   * run's server span and the agent join this trace. Sent in the `run` frame.
   */
  traceparent?: string;
  /** W3C `tracestate` to send with `traceparent`. */
  tracestate?: string;
}

/** What `attachRun` takes. */
export interface AttachRunOptions {
  /** Resume after this seq: events up to it are not replayed. @default 0 (replay the whole run) */
  after?: number;
  /** The run's thread, if known (otherwise learned from RUN_STARTED). */
  threadId?: string;
}

/** The client's observable state, for `useSyncExternalStore` and the like. */
export type ClientSnapshot = ConnectionSnapshot;

/** A connection to a Backchannel runtime. Create with `createClient`. */
export interface BackchannelClient {
  /** See `ConnectionState`. */
  readonly connectionState: ConnectionState;
  /** The last connection-level error (cleared on the next `ready`). */
  readonly error: BackchannelError | null;
  /** The last `ready` frame: agents, principal, limits. Null before the first connection. */
  readonly ready: ReadyFrame | null;
  /** Calls `listener` after every change of the snapshot. Returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /** An immutable snapshot; the same object until something changes. */
  getSnapshot(): ClientSnapshot;
  /** Starts connecting if `disconnected` (e.g. with `lazy`, or after `close()`/giving up). */
  connect(): void;
  /** Drops the connection and connects again at once, with the backoff reset. Runs resume. */
  reconnect(): void;
  /** Closes the socket and stops reconnecting. Runs in flight end with error `client_closed`. */
  close(): void;
  /**
   * Starts a run. Works offline: the run is queued and sent once connected, and across
   * reconnects it resumes where it was, never starting twice.
   */
  startRun(options: StartRunOptions): RunHandle;
  /** Follows a run that already exists on the server (e.g. after a page reload) from `after`. */
  attachRun(runId: string, options?: AttachRunOptions): RunHandle;
  /** Cancels a run by id (same as `handle.cancel()`). */
  cancel(runId: string): void;
  /**
   * Marks the connection as in use until the returned release function is called, so it is not
   * closed for being idle (see `idleClose`). `AgentThread` holds it while client tools run.
   */
  keepAlive(): () => void;
  /** The handle of a run still in flight, if this client has one. */
  getRun(runId: string): RunHandle | undefined;
  /**
   * Follows a thread live (`join`): runs in flight on it and every run started on it later
   * by another tab or device are announced through `onRun`, each with a `RunHandle` that
   * resumes across reconnects like a run started here. Runs this client starts are not
   * announced. Joined again after every reconnect. Works offline (joins once connected).
   */
  joinThread(threadId: string, options?: JoinThreadOptions): ThreadFollow;
}

/**
 * Creates a client. It connects at once unless `lazy` is set.
 * @example
 * import { WebSocket } from "ws"; // Node only; browsers have WebSocket built in
 * const client = createClient({ url: "ws://localhost:8000/copilotkit/ws", token: "secret", WebSocket });
 * const run = client.startRun({ agent: "echo", input: { messages: [{ id: "1", role: "user", content: "hi" }] } });
 * for await (const event of run) console.log(event.type);
 */
export function createClient(options: ClientOptions): BackchannelClient {
  const opts = resolveOptions(options);
  const registry = new RunRegistry({
    maxRateLimitRetries: opts.maxRateLimitRetries,
    onRunError: (error) => opts.onError?.(error),
    // Only called once runs exist, long after `connection` below is set.
    onActivity: () => connection.activityChanged(),
  });
  let holds = 0;
  let follows!: ThreadFollows;
  const connection = new Connection(opts, {
    isBusy: () => registry.size > 0 || follows.size > 0 || holds > 0,
    onReady: () => {
      registry.onReady();
      follows.onReady();
    },
    onEvent: (frame) => registry.onEvent(frame),
    onThreadFrame: (frame) => follows.onFrame(frame),
    onErrorFrame: (frame) => registry.onErrorFrame(frame) || follows.onErrorFrame(frame),
    onDown: () => {
      registry.onDown();
      follows.onDown();
    },
    onGiveUp: (error) => {
      registry.onGiveUp(error);
      follows.onGiveUp(error);
    },
  });
  registry.bind(connection);
  follows = new ThreadFollows(registry, connection, opts.reconnect);

  const client: BackchannelClient = {
    get connectionState() {
      return connection.snapshot.connectionState;
    },
    get error() {
      return connection.snapshot.error;
    },
    get ready() {
      return connection.snapshot.ready;
    },
    subscribe: (listener) => connection.subscribe(listener),
    getSnapshot: () => connection.snapshot,
    connect: () => connection.connect(),
    reconnect: () => connection.reconnect(),
    close: () => connection.close(),
    startRun({ agent, input = {}, traceparent, tracestate }) {
      if (typeof agent !== "string" || agent.length === 0) {
        throw new TypeError(
          "startRun: `agent` must be the name of an agent the server hosts (see client.ready.agents).",
        );
      }
      const full: RunAgentInput = {
        ...input,
        threadId: input.threadId ?? randomId(),
        runId: input.runId ?? randomId(),
        messages: input.messages ?? [],
        tools: input.tools ?? [],
        context: input.context ?? [],
      };
      return registry.start({
        type: "run",
        id: full.runId,
        agent,
        input: full,
        ...(traceparent ? { traceparent } : {}),
        ...(traceparent && tracestate ? { tracestate } : {}),
      });
    },
    attachRun(runId, { after = 0, threadId } = {}) {
      if (!Number.isInteger(after) || after < 0) {
        throw new TypeError(`attachRun: \`after\` must be a non-negative integer seq (got ${after}).`);
      }
      return registry.attach(runId, after, threadId);
    },
    cancel: (runId) => registry.cancel(runId),
    keepAlive() {
      holds++;
      connection.activityChanged();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        holds--;
        connection.activityChanged();
      };
    },
    getRun: (runId) => registry.get(runId),
    joinThread(threadId, options = {}) {
      if (typeof threadId !== "string" || threadId.length === 0 || threadId.length > 256) {
        throw new TypeError("joinThread: `threadId` must be a non-empty string of at most 256 characters.");
      }
      const { after = 0 } = options;
      if (!Number.isInteger(after) || after < 0) {
        throw new TypeError(`joinThread: \`after\` must be a non-negative integer seq (got ${after}).`);
      }
      return follows.join(threadId, options);
    },
  };
  if (!opts.lazy) connection.connect();
  return client;
}
