import { afterEach, describe, expect, it, vi } from "vitest";
import { WebSocket } from "ws";
import { createScriptedServer, readyFrame, type ScriptedServer } from "../test/scripted-server.js";
import { type BackchannelClient, createClient } from "./client.js";
import type { BackchannelError } from "./errors.js";
import type { ClientOptions } from "./options.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function server(options: Parameters<typeof createScriptedServer>[0] = {}): Promise<ScriptedServer> {
  const s = await createScriptedServer(options);
  cleanups.push(() => s.close());
  return s;
}

function client(options: Partial<ClientOptions> & { url: string }): BackchannelClient {
  const c = createClient({
    WebSocket,
    reconnect: { initialDelayMs: 10, maxDelayMs: 40, jitter: 0 },
    ...options,
  });
  cleanups.push(() => c.close());
  return c;
}

function until(c: BackchannelClient, state: BackchannelClient["connectionState"], timeoutMs = 5000) {
  return vi.waitFor(() => expect(c.connectionState).toBe(state), { timeout: timeoutMs, interval: 5 });
}

const ev = (runId: string, seq: number, event: Record<string, unknown>, first?: number) => ({
  type: "event",
  runId,
  seq,
  ...(first === undefined ? {} : { first }),
  event,
});

describe("connecting", () => {
  it("offers backchannel.v1 plus the bearer subprotocol and reaches connected on ready", async () => {
    const s = await server();
    const c = client({ url: s.url, token: "secret" });
    expect(c.connectionState).toBe("connecting");
    await until(c, "connected");
    const conn = await s.connection(0);
    expect(conn.protocols[0]).toBe("backchannel.v1");
    expect(conn.token).toBe("secret");
    expect(c.ready?.sessionId).toBe("s1");
    expect(c.error).toBeNull();
  });

  it("sends the token in an auth frame first with authMode 'frame'", async () => {
    const s = await server({ autoReady: false });
    const c = client({ url: s.url, token: "secret", authMode: "frame" });
    const conn = await s.connection(0);
    const auth = await conn.next((f) => f.type === "auth");
    expect(auth).toEqual({ type: "auth", token: "secret" });
    expect(conn.protocols).toEqual(["backchannel.v1"]);
    expect(conn.received[0]).toEqual(auth);
    conn.send(readyFrame());
    await until(c, "connected");
  });

  it("offers only backchannel.v1 without a token", async () => {
    const s = await server();
    const c = client({ url: s.url });
    await until(c, "connected");
    expect((await s.connection(0)).protocols).toEqual(["backchannel.v1"]);
  });

  it("keeps the snapshot's identity until something changes and notifies subscribers", async () => {
    const s = await server();
    const c = client({ url: s.url, lazy: true });
    const first = c.getSnapshot();
    expect(c.getSnapshot()).toBe(first);
    expect(first.connectionState).toBe("disconnected");
    const seen: string[] = [];
    c.subscribe(() => seen.push(c.getSnapshot().connectionState));
    c.connect();
    await until(c, "connected");
    expect(seen).toEqual(["connecting", "connected"]);
    expect(Object.isFrozen(c.getSnapshot())).toBe(true);
  });

  it("answers a server ping with a pong carrying its ts, and pings every heartbeatMs", async () => {
    const s = await server({ autoReady: { heartbeatMs: 30, idleTimeoutMs: 10_000 } });
    const c = client({ url: s.url });
    await until(c, "connected");
    const conn = await s.connection(0);
    conn.send({ type: "ping", ts: 42 });
    expect(await conn.next((f) => f.type === "pong")).toEqual({ type: "pong", ts: 42 });
    await vi.waitFor(() =>
      expect(conn.received.filter((f) => f.type === "ping").length).toBeGreaterThanOrEqual(2),
    );
  });

  it("treats a silent connection as dead after idleTimeoutMs and reconnects", async () => {
    const s = await server({ autoReady: { heartbeatMs: 20, idleTimeoutMs: 150 } });
    const c = client({ url: s.url });
    await until(c, "connected");
    // The scripted server never answers pings: only silence follows.
    const second = await s.connection(1, 3000);
    expect(second).toBeDefined();
    await until(c, "connected");
  });

  it("gives up after a connect timeout with no ready, then retries", async () => {
    const s = await server({ autoReady: false });
    const c = client({
      url: s.url,
      connectTimeoutMs: 100,
      reconnect: { maxAttempts: 1, initialDelayMs: 10, jitter: 0 },
    });
    await until(c, "disconnected", 3000);
    expect(s.connections.length).toBe(2);
    expect(c.error?.code).toBe("connection_failed");
    expect(c.error?.message).toMatch(/no ready frame within 100 ms/);
  });

  it("goes disconnected with protocol_error when ready names another protocol", async () => {
    const s = await server({ autoReady: { protocol: "backchannel.v2" as "backchannel.v1" } });
    const c = client({ url: s.url });
    await until(c, "disconnected");
    expect(c.error?.code).toBe("protocol_error");
  });

  it("throws a helpful TypeError for a non-ws URL", () => {
    expect(() => createClient({ url: "http://x/copilotkit/ws", WebSocket })).toThrow(/ws:\/\/ or wss:\/\//);
  });

  it("asks for mergeDeltasMs (capped at ready.maxMergeMs) before anything else, and never asks a server whose ready lacks maxMergeMs", async () => {
    // An older server: its ready has no maxMergeMs, and an unknown frame type would close the socket.
    const old = await server();
    const c1 = client({ url: old.url, token: "t", mergeDeltasMs: 16 });
    await until(c1, "connected");
    c1.startRun({ agent: "echo" });
    const oldConn = await old.connection(0);
    await oldConn.next((f) => f.type === "run");
    expect(oldConn.received.map((f) => f.type)).not.toContain("options");

    const current = await server({ autoReady: { maxMergeMs: 10 } });
    const c2 = client({ url: current.url, token: "t", mergeDeltasMs: 16 });
    await until(c2, "connected");
    c2.startRun({ agent: "echo" });
    const conn = await current.connection(0);
    await conn.next((f) => f.type === "run");
    expect(conn.received.filter((f) => f.type !== "ping").map((f) => f.type)).toEqual(["options", "run"]);
    expect(conn.received[0]).toEqual({ type: "options", mergeMs: 10 });
  });

  it("throws a helpful TypeError for a negative or non-numeric mergeDeltasMs", () => {
    expect(() => createClient({ url: "ws://x/copilotkit/ws", WebSocket, mergeDeltasMs: -1 })).toThrow(
      /mergeDeltasMs/,
    );
    expect(() => createClient({ url: "ws://x/copilotkit/ws", WebSocket, mergeDeltasMs: Number.NaN })).toThrow(
      /mergeDeltasMs/,
    );
  });
});

describe("runs over a scripted server", () => {
  it("sends a run frame with generated ids and delivers events in order until RUN_FINISHED", async () => {
    const s = await server();
    const c = client({ url: s.url });
    const run = c.startRun({
      agent: "echo",
      input: { messages: [{ id: "u1", role: "user", content: "hi" }] },
    });
    expect(run.status).toBe("pending");
    const conn = await s.connection(0);
    const frame = await conn.next((f) => f.type === "run");
    expect(frame.id).toBe(run.runId);
    expect(frame.input).toMatchObject({ runId: run.runId, threadId: run.threadId, tools: [], context: [] });
    const seen: [string, number][] = [];
    run.on((e, seq) => seen.push([e.type, seq]));
    conn.send(ev(run.runId, 1, { type: "RUN_STARTED", threadId: run.threadId, runId: run.runId }));
    conn.send(ev(run.runId, 2, { type: "TEXT_MESSAGE_START", messageId: "m", role: "assistant" }));
    conn.send(
      ev(run.runId, 3, { type: "RUN_FINISHED", threadId: run.threadId, runId: run.runId, result: 7 }),
    );
    const result = await run.done;
    expect(result).toMatchObject({ status: "finished", lastSeq: 3, result: 7, error: null });
    expect(seen).toEqual([
      ["RUN_STARTED", 1],
      ["TEXT_MESSAGE_START", 2],
      ["RUN_FINISHED", 3],
    ]);
    const iterated: string[] = [];
    for await (const e of run) iterated.push(e.type);
    expect(iterated).toEqual(["RUN_STARTED", "TEXT_MESSAGE_START", "RUN_FINISHED"]);
    const replayed: [string, number][] = [];
    run.on((e, seq) => replayed.push([e.type, seq]), { replay: true });
    expect(replayed).toEqual(seen);
    expect(c.getRun(run.runId)).toBeUndefined();
  });

  it("drops duplicates, accepts merged frames, and resumes once across a gap", async () => {
    const s = await server();
    const c = client({ url: s.url });
    const run = c.startRun({ agent: "echo" });
    const conn = await s.connection(0);
    await conn.next((f) => f.type === "run");
    const deltas: string[] = [];
    run.on((e) => {
      if (e.type === "TEXT_MESSAGE_CONTENT") deltas.push(String(e.delta));
    });
    const text = (delta: string) => ({ type: "TEXT_MESSAGE_CONTENT", messageId: "m", delta });
    conn.send(ev(run.runId, 1, { type: "RUN_STARTED", threadId: "t", runId: run.runId }));
    conn.send(ev(run.runId, 2, text("a")));
    conn.send(ev(run.runId, 2, text("a"))); // duplicate
    conn.send(ev(run.runId, 5, text("bcd"), 3)); // merged 3..5
    conn.send(ev(run.runId, 4, text("c"))); // duplicate inside the merged range
    conn.send(ev(run.runId, 7, text("f"))); // gap: 6 missing
    conn.send(ev(run.runId, 8, text("g"))); // still gapped: no second resume
    const resume = await conn.next((f) => f.type === "resume");
    expect(resume).toMatchObject({ runId: run.runId, after: 5 });
    conn.send(ev(run.runId, 6, text("e")));
    conn.send(ev(run.runId, 7, text("f")));
    conn.send(ev(run.runId, 8, text("g")));
    conn.send(ev(run.runId, 9, { type: "RUN_FINISHED", threadId: "t", runId: run.runId }));
    await run.done;
    expect(deltas.join("")).toBe("abcdefg");
    expect(conn.received.filter((f) => f.type === "resume")).toHaveLength(1);
  });

  it("retries a rate_limited run after retryAfterMs, then fails it past maxRateLimitRetries", async () => {
    const s = await server();
    const errors: BackchannelError[] = [];
    const c = client({ url: s.url, maxRateLimitRetries: 1, onError: (e) => errors.push(e) });
    const run = c.startRun({ agent: "echo" });
    const conn = await s.connection(0);
    await conn.next((f) => f.type === "run");
    const t0 = Date.now();
    conn.send({
      type: "error",
      code: "rate_limited",
      message: "slow down",
      id: run.runId,
      runId: run.runId,
      retryAfterMs: 80,
    });
    await vi.waitFor(() => expect(conn.received.filter((f) => f.type === "run")).toHaveLength(2));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(75);
    conn.send({
      type: "error",
      code: "rate_limited",
      message: "still",
      id: run.runId,
      runId: run.runId,
      retryAfterMs: 10,
    });
    const result = await run.done;
    expect(result.status).toBe("error");
    expect(result.error?.code).toBe("rate_limited");
    expect(result.error?.retryAfterMs).toBe(10);
    expect(errors.map((e) => e.code)).toEqual(["rate_limited"]);
  });

  it.each(["unknown_agent", "bad_request", "forbidden", "too_many_runs", "run_conflict"])(
    "fails the run with a typed %s error",
    async (code) => {
      const s = await server();
      const c = client({ url: s.url });
      const run = c.startRun({ agent: "nope" });
      const conn = await s.connection(0);
      await conn.next((f) => f.type === "run");
      conn.send({ type: "error", code, message: `no: ${code}`, id: run.runId, runId: run.runId });
      const result = await run.done;
      expect(result.error?.code).toBe(code);
      expect(result.error?.runId).toBe(run.runId);
      expect(run.status).toBe("error");
      // A for-await consumer hears about a failure the event stream does not show.
      await expect(
        (async () => {
          for await (const _ of run) {
          }
        })(),
      ).rejects.toMatchObject({ code });
    },
  );

  it("re-sends runs still waiting for an answer after an unattributed rate_limited drop", async () => {
    const s = await server();
    const errors: string[] = [];
    const c = client({ url: s.url, onError: (e) => errors.push(e.code) });
    const run = c.startRun({ agent: "echo" });
    const conn = await s.connection(0);
    await conn.next((f) => f.type === "run");
    conn.send({ type: "error", code: "rate_limited", message: "frames are being dropped", retryAfterMs: 20 });
    await vi.waitFor(() => expect(conn.received.filter((f) => f.type === "run")).toHaveLength(2));
    expect(errors).toEqual(["rate_limited"]);
    // Not a connection problem: the snapshot's error stays clear.
    expect(c.error).toBeNull();
    run.cancel();
  });

  it("cancels a never-sent run locally and a sent run with a cancel frame", async () => {
    const s = await server({ autoReady: false });
    const c = client({ url: s.url });
    const local = c.startRun({ agent: "echo" });
    local.cancel();
    expect((await local.done).status).toBe("cancelled");
    const conn = await s.connection(0);
    conn.send(readyFrame());
    await until(c, "connected");
    const remote = c.startRun({ agent: "echo" });
    await conn.next((f) => f.type === "run");
    c.cancel(remote.runId);
    expect(await conn.next((f) => f.type === "cancel")).toMatchObject({ runId: remote.runId });
    conn.send(ev(remote.runId, 1, { type: "RUN_STARTED", threadId: "t", runId: remote.runId }));
    conn.send(
      ev(remote.runId, 2, {
        type: "RUN_FINISHED",
        threadId: "t",
        runId: remote.runId,
        outcome: { type: "cancelled" },
      }),
    );
    expect((await remote.done).status).toBe("cancelled");
    expect(conn.received.filter((f) => f.type === "run")).toHaveLength(1);
  });

  it("reports interrupted runs with their interrupts", async () => {
    const s = await server();
    const c = client({ url: s.url });
    const run = c.startRun({ agent: "echo" });
    const conn = await s.connection(0);
    await conn.next((f) => f.type === "run");
    const interrupts = [{ id: "i1", reason: "approval" }];
    conn.send(ev(run.runId, 1, { type: "RUN_STARTED", threadId: "t", runId: run.runId }));
    conn.send(
      ev(run.runId, 2, {
        type: "RUN_FINISHED",
        threadId: "t",
        runId: run.runId,
        outcome: { type: "interrupt", interrupts },
      }),
    );
    expect(await run.done).toMatchObject({ status: "interrupted", interrupts });
  });

  it("fails a run whose input is over ready.maxFrameBytes without sending it", async () => {
    const s = await server({ autoReady: { maxFrameBytes: 500 } });
    const c = client({ url: s.url });
    await until(c, "connected");
    const run = c.startRun({
      agent: "echo",
      input: { messages: [{ id: "u", role: "user", content: "x".repeat(600) }] },
    });
    const result = await run.done;
    expect(result.error?.code).toBe("frame_too_large");
    expect((await s.connection(0)).received.filter((f) => f.type === "run")).toHaveLength(0);
  });

  it("attachRun resumes an existing run from `after`", async () => {
    const s = await server();
    const c = client({ url: s.url });
    const run = c.attachRun("r-1", { after: 3 });
    const conn = await s.connection(0);
    expect(await conn.next((f) => f.type === "resume")).toMatchObject({ runId: "r-1", after: 3 });
    conn.send(ev("r-1", 3, { type: "TEXT_MESSAGE_CONTENT", messageId: "m", delta: "old" }));
    conn.send(ev("r-1", 4, { type: "RUN_FINISHED", threadId: "t9", runId: "r-1" }));
    expect(await run.done).toMatchObject({ status: "finished", lastSeq: 4 });
    expect(run.threadId).toBeUndefined();
  });

  it("fails in-flight runs with client_closed on close()", async () => {
    const s = await server();
    const c = client({ url: s.url });
    const run = c.startRun({ agent: "echo" });
    await (await s.connection(0)).next((f) => f.type === "run");
    c.close();
    expect((await run.done).error?.code).toBe("client_closed");
    expect(c.connectionState).toBe("disconnected");
  });
});

describe("reconnecting", () => {
  it("resumes runs that got events and re-sends runs that got none, with a fresh token each time", async () => {
    const s = await server();
    let n = 0;
    const getToken = vi.fn(async () => `tok-${++n}`);
    const c = client({ url: s.url, getToken });
    const states: string[] = [];
    c.subscribe(() => states.at(-1) !== c.connectionState && states.push(c.connectionState));
    const started = c.startRun({ agent: "echo" });
    const silent = c.startRun({ agent: "echo" });
    const conn = await s.connection(0);
    await conn.next((f) => f.type === "run" && f.id === silent.runId);
    conn.send(ev(started.runId, 1, { type: "RUN_STARTED", threadId: "t", runId: started.runId }));
    conn.send(ev(started.runId, 2, { type: "TEXT_MESSAGE_START", messageId: "m" }));
    await vi.waitFor(() => expect(started.lastSeq).toBe(2));
    conn.ws.close(1011, "boom");
    const second = await s.connection(1);
    expect(second.token).toBe("tok-2");
    expect(await second.next((f) => f.type === "resume")).toEqual({
      type: "resume",
      runId: started.runId,
      after: 2,
      id: started.runId,
    });
    const again = await second.next((f) => f.type === "run");
    expect(again.input.runId).toBe(silent.runId);
    expect(getToken).toHaveBeenCalledTimes(2);
    await until(c, "connected");
    expect(c.error).toBeNull();
    expect(states).toEqual(["connected", "reconnecting", "connected"]);
  });

  it("sends a pending cancel after resuming when cancelled while offline", async () => {
    const s = await server();
    const c = client({ url: s.url });
    const run = c.startRun({ agent: "echo" });
    const conn = await s.connection(0);
    await conn.next((f) => f.type === "run");
    conn.send(ev(run.runId, 1, { type: "RUN_STARTED", threadId: "t", runId: run.runId }));
    await vi.waitFor(() => expect(run.status).toBe("running"));
    const down = new Promise<void>((resolve) =>
      c.subscribe(() => c.connectionState === "reconnecting" && resolve()),
    );
    conn.ws.terminate();
    await down;
    run.cancel();
    const second = await s.connection(1);
    await second.next((f) => f.type === "cancel");
    const kinds = second.received.map((f) => f.type).filter((t) => t !== "ping");
    expect(kinds).toEqual(["resume", "cancel"]);
  });

  it("retries once with a fresh token on 1008, then goes disconnected with auth_failed", async () => {
    const s = await server({
      autoReady: false,
      onConnection: (conn) => conn.ws.close(1008, "Invalid token"),
    });
    const getToken = vi.fn(async () => "expired");
    const errors: string[] = [];
    const c = client({ url: s.url, getToken, onError: (e) => errors.push(e.code) });
    const run = c.startRun({ agent: "echo" });
    await until(c, "disconnected");
    expect(getToken).toHaveBeenCalledTimes(2);
    expect(s.connections).toHaveLength(2);
    expect(c.error?.code).toBe("auth_failed");
    expect(c.error?.closeCode).toBe(1008);
    expect(c.error?.message).toMatch(/Invalid token/);
    expect((await run.done).error?.code).toBe("auth_failed");
    expect(errors).toContain("auth_failed");
  });

  it("goes disconnected at once on 1008 without getToken", async () => {
    const s = await server({
      autoReady: false,
      onConnection: (conn) => conn.ws.close(1008, "Invalid or missing API key"),
    });
    const c = client({ url: s.url, token: "bad" });
    await until(c, "disconnected");
    expect(s.connections).toHaveLength(1);
    expect(c.error?.message).toMatch(/Pass a valid `token`/);
  });

  it("does not reconnect after a normal close from the server", async () => {
    const s = await server();
    const c = client({ url: s.url });
    await until(c, "connected");
    (await s.connection(0)).ws.close(1000, "bye");
    await until(c, "disconnected");
    expect(c.error?.code).toBe("connection_failed");
    await new Promise((r) => setTimeout(r, 60));
    expect(s.connections).toHaveLength(1);
  });

  it("gives up after maxAttempts and fails queued runs with connection_failed", async () => {
    const s = await server();
    const url = s.url;
    await s.close();
    const c = client({ url, reconnect: { maxAttempts: 2, initialDelayMs: 5, jitter: 0 } });
    const run = c.startRun({ agent: "echo" });
    expect(c.getSnapshot().connectionState).toBe("connecting");
    const result = await run.done;
    expect(result.error?.code).toBe("connection_failed");
    expect(result.error?.message).toMatch(/Gave up after 2 attempts/);
    expect(c.connectionState).toBe("disconnected");
  });

  it("reconnect() reconnects at once and resumes", async () => {
    const s = await server();
    const c = client({ url: s.url });
    const run = c.startRun({ agent: "echo" });
    const conn = await s.connection(0);
    await conn.next((f) => f.type === "run");
    conn.send(ev(run.runId, 1, { type: "RUN_STARTED", threadId: "t", runId: run.runId }));
    await vi.waitFor(() => expect(run.lastSeq).toBe(1));
    c.reconnect();
    expect(c.connectionState).toBe("reconnecting");
    const second = await s.connection(1);
    expect(await second.next((f) => f.type === "resume")).toMatchObject({ after: 1 });
    expect(await conn.closed).toBe(1000);
  });

  it("refreshes the token over the socket before ready.expiresAt", async () => {
    const s = await server({ autoReady: { expiresAt: Date.now() + 400 } });
    let n = 0;
    const c = client({ url: s.url, getToken: () => `tok-${++n}`, refreshBeforeExpiryMs: 150 });
    await until(c, "connected");
    const conn = await s.connection(0);
    const auth = await conn.next((f) => f.type === "auth", 2000);
    expect(auth).toEqual({ type: "auth", token: "tok-2" });
    const expiresAt = Date.now() + 10_000_000;
    conn.send({ type: "auth_ok", expiresAt });
    await vi.waitFor(() => expect(c.ready?.expiresAt).toBe(expiresAt));
    conn.send({ type: "error", code: "auth_failed", message: "Token belongs to a different principal" });
    await vi.waitFor(() => expect(c.error?.code).toBe("auth_failed"));
    expect(c.connectionState).toBe("connected");
  });

  it("ends a pending backoff at once when the browser reports it is online", async () => {
    const s = await server();
    const url = s.url;
    await s.close();
    const target = new EventTarget();
    vi.stubGlobal("addEventListener", target.addEventListener.bind(target));
    vi.stubGlobal("removeEventListener", target.removeEventListener.bind(target));
    cleanups.push(() => vi.unstubAllGlobals());
    const c = client({ url, reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000, jitter: 0 } });
    await vi.waitFor(() => expect(c.getSnapshot().retryAt).not.toBeNull());
    expect(c.getSnapshot().attempt).toBe(1);
    target.dispatchEvent(new Event("online"));
    await vi.waitFor(() => expect(c.getSnapshot().attempt).toBe(2));
  });

  it("queues runs while offline (lazy) and sends them once connected", async () => {
    const s = await server();
    const c = client({ url: s.url, lazy: true });
    await new Promise((r) => setTimeout(r, 30));
    expect(s.connections).toHaveLength(0);
    const run = c.startRun({ agent: "echo" });
    const conn = await s.connection(0);
    expect((await conn.next((f) => f.type === "run")).input.runId).toBe(run.runId);
  });
});
