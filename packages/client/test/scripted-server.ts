/**
 * A real `ws` server whose side of the protocol the test writes frame by frame. It exists
 * for the cases a well-behaved server never produces on demand (duplicates, gaps, merged
 * frames, `rate_limited`, server pings, refresh answers); everything else is tested against
 * the real `@backchannel/server` in /work/main/test/client-server.test.ts.
 */
import type { AddressInfo } from "node:net";
import type { RunAgentInput } from "@ag-ui/core";
import type { ReadyFrame } from "@backchannel/protocol";
import { tokenFromSubprotocol } from "@backchannel/protocol";
import { WebSocket, WebSocketServer } from "ws";

/** One accepted socket. */
export interface ScriptedConnection {
  ws: WebSocket;
  /** Subprotocols the client offered. */
  protocols: string[];
  /** The bearer token from the subprotocol, if any. */
  token: string | undefined;
  /** Every frame received, parsed. */
  received: any[];
  send(frame: unknown): void;
  /** Resolves with the first received frame (past or future) matching `pred`. */
  next(pred: (frame: any) => boolean, timeoutMs?: number): Promise<any>;
  /** Resolves when the socket closes, with the close code the server saw. */
  closed: Promise<number>;
}

/**
 * Answers `run` frames like a server would: RUN_STARTED, the agent's events, then RUN_FINISHED
 * (unless the agent ended the run itself); a `cancel` aborts `signal` and ends the run as cancelled.
 */
export type ScriptedAgent = (
  input: RunAgentInput,
  signal: AbortSignal,
) => AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>;

export interface ScriptedServer {
  url: string;
  /** Inputs of the runs the scripted agent answered, in order. */
  inputs: RunAgentInput[];
  connections: ScriptedConnection[];
  /** Resolves with connection number `index` (0-based) once it exists. */
  connection(index: number, timeoutMs?: number): Promise<ScriptedConnection>;
  close(): Promise<void>;
}

/** A `ready` frame with test-friendly defaults. */
export function readyFrame(overrides: Partial<ReadyFrame> = {}): ReadyFrame {
  return {
    type: "ready",
    protocol: "backchannel.v1",
    sessionId: "s1",
    agents: [{ name: "echo", description: "test" }],
    principal: { id: "apikey:test", kind: "api_key" },
    heartbeatMs: 60_000,
    idleTimeoutMs: 180_000,
    maxFrameBytes: 1024 * 1024,
    resumeRetentionMs: 300_000,
    ...overrides,
  };
}

function waitFor<T>(check: () => T | undefined, wakers: Set<() => void>, timeoutMs: number, what: string) {
  return new Promise<T>((resolve, reject) => {
    const found = check();
    if (found !== undefined) return resolve(found);
    const wake = () => {
      const value = check();
      if (value === undefined) return;
      clearTimeout(timer);
      wakers.delete(wake);
      resolve(value);
    };
    const timer = setTimeout(() => {
      wakers.delete(wake);
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    wakers.add(wake);
  });
}

/**
 * Starts the server. `ready` is sent on every connection unless `autoReady` is false;
 * `onConnection` runs for each socket before that.
 */
export async function createScriptedServer(
  options: {
    autoReady?: Partial<ReadyFrame> | false;
    onConnection?: (conn: ScriptedConnection) => void;
    agent?: ScriptedAgent;
  } = {},
): Promise<ScriptedServer> {
  const inputs: RunAgentInput[] = [];
  const aborts = new Map<string, AbortController>();
  const wss = new WebSocketServer({
    host: "127.0.0.1",
    port: 0,
    handleProtocols: (protocols) => (protocols.has("backchannel.v1") ? "backchannel.v1" : false),
  });
  await new Promise<void>((resolve) => wss.once("listening", resolve));
  const connections: ScriptedConnection[] = [];
  const wakers = new Set<() => void>();
  const wakeAll = () => {
    for (const w of [...wakers]) w();
  };
  wss.on("connection", (ws: WebSocket, req) => {
    const protocols = String(req.headers["sec-websocket-protocol"] ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean);
    const bearer = protocols.find((p) => p.startsWith("bearer."));
    const received: any[] = [];
    const conn: ScriptedConnection = {
      ws,
      protocols,
      token: bearer ? tokenFromSubprotocol(bearer) : undefined,
      received,
      send: (frame) => {
        if (ws.readyState === WebSocket.OPEN)
          ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
      },
      next: (pred, timeoutMs = 5000) =>
        waitFor(() => received.find(pred), wakers, timeoutMs, "a client frame"),
      closed: new Promise((resolve) => ws.on("close", (code) => resolve(code))),
    };
    ws.on("message", (data) => {
      const frame = JSON.parse(String(data));
      received.push(frame);
      wakeAll();
      if (!options.agent) return;
      if (frame.type === "run") void play(conn, frame.input, options.agent);
      if (frame.type === "cancel") aborts.get(frame.runId)?.abort();
    });
    ws.on("error", () => {});
    connections.push(conn);
    options.onConnection?.(conn);
    if (options.autoReady !== false) conn.send(readyFrame(options.autoReady ?? {}));
    wakeAll();
  });
  async function play(conn: ScriptedConnection, input: RunAgentInput, agent: ScriptedAgent) {
    inputs.push(input);
    const { runId, threadId } = input;
    const controller = new AbortController();
    aborts.set(runId, controller);
    let seq = 0;
    const emit = (event: Record<string, unknown>) => conn.send({ type: "event", runId, seq: ++seq, event });
    emit({ type: "RUN_STARTED", threadId, runId });
    let ended = false;
    try {
      for await (const event of agent(input, controller.signal)) {
        if (controller.signal.aborted) break;
        emit(event);
        if (event.type === "RUN_FINISHED" || event.type === "RUN_ERROR") ended = true;
      }
    } catch (err) {
      if (!controller.signal.aborted) {
        emit({ type: "RUN_ERROR", message: (err as Error).message });
        ended = true;
      }
    }
    if (!ended) {
      emit({
        type: "RUN_FINISHED",
        threadId,
        runId,
        ...(controller.signal.aborted ? { outcome: { type: "cancelled" } } : {}),
      });
    }
    aborts.delete(runId);
  }

  const port = (wss.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/copilotkit/ws`,
    inputs,
    connections,
    connection: (index, timeoutMs = 5000) =>
      waitFor(() => connections[index], wakers, timeoutMs, `connection #${index}`),
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of connections) c.ws.terminate();
        wss.close(() => resolve());
      }),
  };
}
