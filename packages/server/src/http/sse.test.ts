import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { testAgents } from "../../../../test/helpers/agents.js";
import { isTerminal, openSse, type SseReader } from "../../../../test/helpers/sse-client.js";
import { connectPeer, runInput, startRun } from "../../../../test/helpers/ws-peer.js";
import { BackchannelServerError, CopilotKitSDK, type ListeningServer } from "../index.js";

const KEY = "http-test-key-0123456789";
const OTHER = "http-other-key-0123456789";
let sdk: CopilotKitSDK;
let srv: ListeningServer;
let base: string;
const auth = { authorization: `Bearer ${KEY}` };
const sseHeaders = { ...auth, accept: "text/event-stream", "content-type": "application/json" };

beforeAll(async () => {
  sdk = new CopilotKitSDK({
    agents: testAgents as never,
    auth: { apiKeys: { tests: KEY, other: OTHER } },
    logger: pino({ level: "silent" }),
    limits: { maxFrameBytes: 32 * 1024 },
  });
  sdk.addRunAuthorizer(async (_principal, input) => {
    if (input.threadId === "forbidden-thread")
      throw new BackchannelServerError("forbidden", "Not your thread");
  });
  srv = await sdk.listen({ port: 0 });
  base = `${srv.httpUrl}/copilotkit`;
});
afterAll(() => srv.close());

function postRun(agent: string, input: unknown, headers: Record<string, string> = sseHeaders) {
  return openSse(`${base}/agents/${agent}/run`, { method: "POST", headers, body: JSON.stringify(input) });
}

async function allEvents(r: SseReader) {
  await r.ended;
  return r.blocks;
}

describe("POST /agents/:name/run", () => {
  it("streams the run as SSE, one `id: <seq>` + AG-UI event per block, then ends", async () => {
    const input = runInput({ forwardedProps: { count: 10 } });
    const r = await postRun("streamer", input);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(r.headers.get("x-backchannel-run-id")).toBe(input.runId);
    const blocks = await allEvents(r);
    expect(blocks.map((b) => Number(b.id))).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    expect(blocks[0]!.json).toEqual({ type: "RUN_STARTED", threadId: input.threadId, runId: input.runId });
    expect(blocks.at(-1)!.json).toMatchObject({ type: "RUN_FINISHED", runId: input.runId });
    const text = blocks
      .filter((b) => b.json.type === "TEXT_MESSAGE_CONTENT")
      .map((b) => b.json.delta)
      .join("");
    expect(text).toBe(Array.from({ length: 10 }, (_, i) => `t${i} `).join(""));
  });

  it("answers 401 with a JSON error and WWW-Authenticate without credentials, and with a wrong key", async () => {
    const none = await postRun("streamer", runInput(), { accept: "text/event-stream" });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(none.body.error.code).toBe("auth_failed");
    const wrong = await postRun("streamer", runInput(), {
      authorization: "Bearer nope",
      accept: "text/event-stream",
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.message).toMatch(/API key/);
    expect(sdk.registry.size).toBeGreaterThanOrEqual(0);
  });

  it("validates the body like a `run` frame: 400 naming the field, 413 over maxFrameBytes, 415, 404, 406", async () => {
    const bad = await postRun("streamer", { threadId: "t" });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: "bad_request" });
    expect(bad.body.error.message).toMatch(/runId|messages/);
    const notJson = await openSse(`${base}/agents/streamer/run`, {
      method: "POST",
      headers: sseHeaders,
      body: "{nope",
    });
    expect(notJson.status).toBe(400);
    const big = await postRun("streamer", runInput({ state: { pad: "x".repeat(40 * 1024) } }));
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe("payload_too_large");
    const form = await postRun("streamer", runInput(), { ...sseHeaders, "content-type": "text/plain" });
    expect(form.status).toBe(415);
    const unknown = await postRun("nope", runInput());
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: "unknown_agent" });
    expect(unknown.body.error.message).toContain("streamer");
    const json = await postRun("streamer", runInput(), { ...sseHeaders, accept: "application/json" });
    expect(json.status).toBe(406);
  });

  it("applies run authorizers (403) and leaves nothing started", async () => {
    const input = runInput({ threadId: "forbidden-thread" });
    const r = await postRun("streamer", input);
    expect(r.status).toBe(403);
    expect(r.body.error).toEqual({ code: "forbidden", message: "Not your thread" });
    expect(sdk.registry.get(input.runId)).toBeUndefined();
  });

  it("treats a repeated POST of the same runId as a retry (replay, no second run) and refuses another user's runId", async () => {
    const input = runInput({ forwardedProps: { count: 3 } });
    const first = await allEvents(await postRun("streamer", input));
    const again = await allEvents(await postRun("streamer", input));
    // A replay reads from the buffer, where consecutive deltas merge (the id is the last merged seq).
    const text = (bs: typeof first) =>
      bs
        .filter((b) => b.json.type === "TEXT_MESSAGE_CONTENT")
        .map((b) => b.json.delta)
        .join("");
    expect(text(again)).toBe(text(first));
    expect(again.at(-1)!.id).toBe(first.at(-1)!.id);
    expect(again.map((b) => b.json.type)).toEqual([
      "RUN_STARTED",
      "TEXT_MESSAGE_START",
      "TEXT_MESSAGE_CONTENT",
      "TEXT_MESSAGE_END",
      "RUN_FINISHED",
    ]);
    const other = await postRun("streamer", input, { ...sseHeaders, authorization: `Bearer ${OTHER}` });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe("run_conflict");
  });
});

describe("GET /runs/:runId/events (resume)", () => {
  it("resumes after Last-Event-ID with no gap and no duplicate, live until the end", async () => {
    const input = runInput({ forwardedProps: { count: 40, delayMs: 5 } });
    const first = await postRun("streamer", input);
    await first.next((b) => Number(b.id) >= 5);
    first.abort();
    const seen = first.blocks.filter((b) => b.id !== undefined);
    const last = Number(seen.at(-1)!.id);
    const rest = await openSse(`${base}/runs/${input.runId}/events`, {
      headers: { ...auth, accept: "text/event-stream", "last-event-id": String(last) },
    });
    expect(rest.status).toBe(200);
    const blocks = await allEvents(rest);
    const ids = [...seen, ...blocks].map((b) => Number(b.id));
    expect(ids).toEqual(Array.from({ length: 44 }, (_, i) => i + 1));
    expect(isTerminal(blocks.at(-1)!)).toBe(true);
  });

  it("takes ?after= too, answers 204 when the run ended and nothing is left, 410 for unknown runs", async () => {
    const input = runInput({ forwardedProps: { count: 2 } });
    const all = await allEvents(await postRun("streamer", input));
    const tail = await openSse(`${base}/runs/${input.runId}/events?after=3`, { headers: auth });
    expect((await allEvents(tail)).map((b) => Number(b.id))).toEqual([4, 5, 6]);
    const nothing = await openSse(`${base}/runs/${input.runId}/events?after=${all.length}`, {
      headers: auth,
    });
    expect(nothing.status).toBe(204);
    const unknown = await openSse(`${base}/runs/nope/events`, { headers: auth });
    expect(unknown.status).toBe(410);
    expect(unknown.body.error.code).toBe("resume_unavailable");
    const bad = await openSse(`${base}/runs/${input.runId}/events?after=-1`, { headers: auth });
    expect(bad.status).toBe(400);
  });

  it("refuses another principal's run with 403", async () => {
    const input = runInput();
    await allEvents(await postRun("streamer", input));
    const r = await openSse(`${base}/runs/${input.runId}/events`, {
      headers: { authorization: `Bearer ${OTHER}` },
    });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("forbidden");
  });

  it("resumes over SSE a run started over the WebSocket, and over the WebSocket one started over SSE", async () => {
    const peer = await connectPeer(srv.wsUrl, { headers: auth });
    const wsRun = startRun(peer, "streamer", { forwardedProps: { count: 30, delayMs: 5 } });
    const firstFrames = await peer.next((f) => f.type === "event" && f.runId === wsRun && f.seq === 4);
    peer.close();
    const sse = await allEvents(
      await openSse(`${base}/runs/${wsRun}/events`, {
        headers: { ...auth, "last-event-id": String(firstFrames.seq) },
      }),
    );
    // A reader that is behind (here: the replay of what the run produced before the stream
    // opened, more of it the busier the machine) gets consecutive text deltas merged into one
    // block whose id is the last merged seq (docs/http.md). So: ids rise and end at 34, every
    // non-text event keeps its own id, and the text is exactly tokens 2..29 (seqs 5..32).
    const ids = sse.map((b) => Number(b.id));
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
    expect(ids[0]).toBeGreaterThanOrEqual(5);
    expect(
      sse.filter((b) => b.json?.type !== "TEXT_MESSAGE_CONTENT").map((b) => [b.json?.type, Number(b.id)]),
    ).toEqual([
      ["TEXT_MESSAGE_END", 33],
      ["RUN_FINISHED", 34],
    ]);
    expect(
      sse
        .filter((b) => b.json?.type === "TEXT_MESSAGE_CONTENT")
        .map((b) => b.json.delta)
        .join(""),
    ).toBe(Array.from({ length: 28 }, (_, i) => `t${i + 2} `).join(""));

    const input = runInput({ forwardedProps: { count: 30, delayMs: 5 } });
    const http = await postRun("streamer", input);
    await http.next((b) => b.id === "3");
    http.abort();
    const upTo = Math.max(...http.blocks.map((b) => Number(b.id)));
    const peer2 = await connectPeer(srv.wsUrl, { headers: auth });
    peer2.send({ type: "resume", runId: input.runId, after: upTo });
    const frames = await peer2.runEvents(input.runId);
    // A merged frame (the replay of a backlog) carries its first seq in `first` (docs/protocol.md).
    expect(frames[0].first ?? frames[0].seq).toBe(upTo + 1);
    expect(frames.at(-1).seq).toBe(34);
    peer2.close();
  });
});

describe("POST /runs/:runId/cancel", () => {
  it("cancels: the agent's signal fires and the stream ends with RUN_FINISHED outcome cancelled", async () => {
    const input = runInput();
    const r = await postRun("hanger", input);
    await r.next((b) => b.json?.type === "STEP_STARTED");
    const other = await fetch(`${base}/runs/${input.runId}/cancel`, {
      method: "POST",
      headers: { authorization: `Bearer ${OTHER}` },
    });
    expect(other.status).toBe(403);
    const res = await fetch(`${base}/runs/${input.runId}/cancel`, { method: "POST", headers: auth });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ runId: input.runId, status: "cancelled" });
    const blocks = await allEvents(r);
    expect(blocks.at(-1)!.json).toMatchObject({ type: "RUN_FINISHED", outcome: { type: "cancelled" } });
    const unknown = await fetch(`${base}/runs/nope/cancel`, { method: "POST", headers: auth });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe("unknown_run");
  });

  it("keeps the run going when the SSE client disconnects (runs outlive their transport)", async () => {
    const input = runInput({ forwardedProps: { count: 20, delayMs: 5 } });
    const r = await postRun("streamer", input);
    await r.next((b) => b.id === "2");
    r.abort();
    const run = sdk.registry.get(input.runId)!;
    await run.done;
    expect(run.status).toBe("finished");
    expect(run.lastSeq).toBe(24);
  });
});

describe("SSE flow control, limits and shutdown", () => {
  let small: CopilotKitSDK;
  let smallSrv: ListeningServer;
  let smallBase: string;
  beforeAll(async () => {
    small = new CopilotKitSDK({
      agents: testAgents as never,
      auth: { apiKeys: { tests: KEY } },
      logger: pino({ level: "silent" }),
      limits: {
        outboundHighWaterBytes: 16 * 1024,
        maxOutboundQueueBytes: 512 * 1024,
        maxConnectionsPerPrincipal: 2,
      },
      resume: { maxBytes: 64 * 1024 * 1024 },
    });
    smallSrv = await small.listen({ port: 0 });
    smallBase = `${smallSrv.httpUrl}/copilotkit`;
  });
  afterAll(() => smallSrv.close());

  /** POSTs a run over a raw socket whose reader is paused until `resume()`. */
  function pausedRun(agent: string, input: any) {
    const url = new URL(`${smallBase}/agents/${agent}/run`);
    let text = "";
    let gotRes!: (r: import("node:http").IncomingMessage) => void;
    const res = new Promise<import("node:http").IncomingMessage>((resolve) => {
      gotRes = resolve;
    });
    const ended = new Promise<void>((resolve, reject) => {
      const req = request(url, { method: "POST", headers: sseHeaders }, (r) => {
        gotRes(r);
        r.pause();
        r.setEncoding("utf8");
        r.on("data", (c: string) => {
          text += c;
        });
        r.on("end", resolve);
        r.on("error", reject);
      });
      req.end(JSON.stringify(input));
    });
    return {
      resume: async () => (await res).resume(),
      ended,
      blocks: () =>
        text
          .split("\n\n")
          .filter((b) => /^data: /m.test(b))
          .map((b) => ({
            id: /^id: (\d+)$/m.exec(b)?.[1],
            event: /^event: (.+)$/m.exec(b)?.[1],
            json: JSON.parse(/^data: (.*)$/m.exec(b)![1]!),
          })),
    };
  }

  it("a reader that stalls past maxOutboundQueueBytes gets `event: error` slow_consumer, then resumes by Last-Event-ID", async () => {
    const input = runInput({ forwardedProps: { count: 2000, size: 8 * 1024 } });
    const r = pausedRun("flood", input);
    const run = await vi.waitFor(() => {
      const found = small.registry.get(input.runId);
      if (!found) throw new Error("run not started yet");
      return found;
    });
    await run.done;
    await r.resume();
    await r.ended;
    const blocks = r.blocks();
    const error = blocks.at(-1)!;
    expect(error.event).toBe("error");
    expect(error.id).toBeUndefined();
    expect(error.json).toMatchObject({ type: "RUN_ERROR", code: "slow_consumer" });
    const ids = blocks.filter((b) => b.id).map((b) => Number(b.id));
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
    expect(ids.length).toBeLessThan(run.lastSeq);
    const rest = await allEvents(
      await openSse(`${smallBase}/runs/${input.runId}/events`, {
        headers: { ...auth, "last-event-id": String(ids.at(-1)) },
      }),
    );
    expect(Number(rest[0]!.id)).toBe(ids.at(-1)! + 1);
    expect(Number(rest.at(-1)!.id)).toBe(run.lastSeq);
  });

  it("a reader that falls behind a little reads from the run's buffer, with text deltas merged", async () => {
    const input = runInput({ forwardedProps: { count: 2500 } });
    const r = pausedRun("streamer", input);
    const run = await vi.waitFor(() => {
      const found = small.registry.get(input.runId);
      if (!found) throw new Error("run not started yet");
      return found;
    });
    await run.done;
    await r.resume();
    await r.ended;
    const blocks = r.blocks();
    expect(blocks.at(-1)!.json.type).toBe("RUN_FINISHED");
    expect(Number(blocks.at(-1)!.id)).toBe(run.lastSeq);
    const text = blocks
      .filter((b) => b.json.type === "TEXT_MESSAGE_CONTENT")
      .map((b) => b.json.delta)
      .join("");
    expect(text).toBe(Array.from({ length: 2500 }, (_, i) => `t${i} `).join(""));
    // It fell behind, so it read merged deltas from the buffer: fewer blocks than events.
    expect(blocks.length).toBeLessThan(run.lastSeq);
    const ids = blocks.map((b) => Number(b.id));
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
  });

  it("counts SSE streams against maxConnectionsPerPrincipal (429) and frees the slot when one ends", async () => {
    const a = await openSse(`${smallBase}/agents/hanger/run`, {
      method: "POST",
      headers: sseHeaders,
      body: JSON.stringify(runInput()),
    });
    const b = await openSse(`${smallBase}/agents/hanger/run`, {
      method: "POST",
      headers: sseHeaders,
      body: JSON.stringify(runInput()),
    });
    const c = await openSse(`${smallBase}/agents/hanger/run`, {
      method: "POST",
      headers: sseHeaders,
      body: JSON.stringify(runInput()),
    });
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(c.status).toBe(429);
    expect(c.body.error.code).toBe("too_many_connections");
    expect(c.headers.get("retry-after")).toBe("1");
    a.abort();
    await vi.waitFor(async () => {
      const d = await openSse(`${smallBase}/agents/streamer/run`, {
        method: "POST",
        headers: sseHeaders,
        body: JSON.stringify(runInput()),
      });
      expect(d.status).toBe(200);
      await d.ended;
    });
    b.abort();
  });

  it("answers CORS preflights only for allowed origins", async () => {
    const cors = new CopilotKitSDK({
      agents: testAgents as never,
      auth: { apiKeys: KEY },
      logger: pino({ level: "silent" }),
      allowedOrigins: ["https://app.example.com"],
    });
    const s = await cors.listen({ port: 0 });
    try {
      const pre = await fetch(`${s.httpUrl}/copilotkit/agents/streamer/run`, {
        method: "OPTIONS",
        headers: { origin: "https://app.example.com", "access-control-request-method": "POST" },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
      expect(pre.headers.get("access-control-allow-headers")).toContain("authorization");
      const evil = await fetch(`${s.httpUrl}/copilotkit/agents/streamer/run`, {
        method: "POST",
        headers: { ...sseHeaders, origin: "https://evil.example.com" },
        body: JSON.stringify(runInput()),
      });
      expect(evil.status).toBe(403);
      expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    } finally {
      await s.close();
    }
  });

  it("ends open streams with `event: error` service_restart when draining, and refuses new streams and /connect with 503 service_restart", async () => {
    const s2 = new CopilotKitSDK({
      agents: testAgents as never,
      auth: { apiKeys: KEY },
      logger: pino({ level: "silent" }),
    });
    // Mounted on a server the runtime does not own, so requests still reach it while it drains
    // (as through a proxy's kept-alive connection).
    const own = createServer(s2.nodeHandler());
    await new Promise<void>((resolve) => own.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(own.address() as AddressInfo).port}/copilotkit`;
    try {
      const r = await openSse(`${url}/agents/hanger/run`, {
        method: "POST",
        headers: sseHeaders,
        body: JSON.stringify(runInput()),
      });
      await r.next((b) => b.json?.type === "STEP_STARTED");
      // The hanger runs on, so the drain lasts until its deadline.
      const closing = s2.close({ deadlineMs: 5_000 });
      const err = await r.next((b) => b.event === "error");
      expect(err.json).toMatchObject({ type: "RUN_ERROR", code: "service_restart" });
      const refusedRun = await fetch(`${url}/agents/streamer/run`, {
        method: "POST",
        headers: sseHeaders,
        body: JSON.stringify(runInput()),
      });
      expect(refusedRun.status).toBe(503);
      expect(refusedRun.headers.get("connection")).toBe("close");
      expect(((await refusedRun.json()) as { error: { code: string } }).error.code).toBe("service_restart");
      const refusedConnect = await fetch(`${url}/connect`, { method: "POST", headers: auth });
      expect(refusedConnect.status).toBe(503);
      expect(((await refusedConnect.json()) as { error: { code: string } }).error.code).toBe(
        "service_restart",
      );
      await closing;
    } finally {
      own.closeAllConnections();
      await new Promise((resolve) => own.close(resolve));
    }
  });
});

describe("HTTP request budget", () => {
  it("answers 429 rate_limited with Retry-After past framesPerSecond requests per principal, sparing other principals", async () => {
    const limited = new CopilotKitSDK({
      agents: testAgents as never,
      auth: { apiKeys: { tests: KEY, other: OTHER } },
      logger: pino({ level: "silent" }),
      limits: { framesPerSecond: 5 },
    });
    const s = await limited.listen({ port: 0 });
    try {
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 7; i++) {
        last = await fetch(`${s.httpUrl}/copilotkit/runs/nope/cancel`, { method: "POST", headers: auth });
        statuses.push(last.status);
      }
      expect(statuses.slice(0, 5)).toEqual([404, 404, 404, 404, 404]);
      expect(statuses.slice(5)).toEqual([429, 429]);
      expect(last!.headers.get("retry-after")).toBe("1");
      expect((await last!.json()).error).toMatchObject({
        code: "rate_limited",
        retryAfterMs: expect.any(Number),
      });
      const other = await fetch(`${s.httpUrl}/copilotkit/runs/nope/cancel`, {
        method: "POST",
        headers: { authorization: `Bearer ${OTHER}` },
      });
      expect(other.status).toBe(404);
    } finally {
      await s.close();
    }
  });
});
