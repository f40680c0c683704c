/**
 * Tracing through @opentelemetry/api, checked with the SDK's in-memory exporter: the client's
 * W3C traceparent (WebSocket run frame, HTTP header) becomes the parent of the run's span, the
 * agent gets the run's traceparent in its context, RemoteAgent forwards it to the remote
 * endpoint, and store writes and Redis hops are spans. Without an SDK nothing is recorded but
 * the caller's trace still reaches the agent.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createClient } from "@backchannel/client";
import { RemoteAgent } from "@backchannel/langgraph";
import { CopilotKitSDK, type ListeningServer, type SDKOptions } from "@backchannel/server";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { redisAvailable, TEST_REDIS_URL } from "../packages/server/test/services.js";
import { hanger, streamer } from "./helpers/agents.js";
import { openSse } from "./helpers/sse-client.js";
import { connectPeer, type Peer, runInput } from "./helpers/ws-peer.js";

const KEY = "tracing-test-key-0000";
const auth = { headers: { authorization: `Bearer ${KEY}` } };
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const CLIENT_SPAN = "00f067aa0ba902b7";
const TRACEPARENT = `00-${TRACE_ID}-${CLIENT_SPAN}-01`;

/** An agent that records the trace context it was given and opens a span of its own. */
const seenByAgent: { traceparent?: string; tracestate?: string; activeSpanId?: string }[] = [];
const tracedAgent = {
  name: "traced",
  description: "Records its trace context",
  async *run(input: { runId: string }, ctx: { traceparent?: string; tracestate?: string }) {
    const own = trace.getTracer("agent").startSpan("agent.work");
    seenByAgent.push({
      ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
      ...(ctx.tracestate ? { tracestate: ctx.tracestate } : {}),
      ...(trace.getActiveSpan() ? { activeSpanId: trace.getActiveSpan()!.spanContext().spanId } : {}),
    });
    own.end();
    const messageId = `m-${input.runId}`;
    yield { type: "TEXT_MESSAGE_START", messageId, role: "assistant" };
    yield { type: "TEXT_MESSAGE_CONTENT", messageId, delta: "traced" };
    yield { type: "TEXT_MESSAGE_END", messageId };
  },
};

const redisUp = await redisAvailable();
const servers: ListeningServer[] = [];
const peers: Peer[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  for (const s of servers.splice(0)) await s.close();
});

async function serve(extra: Partial<SDKOptions> = {}) {
  const sdk = new CopilotKitSDK({
    agents: [tracedAgent, streamer, hanger] as never,
    auth: { apiKeys: KEY },
    logger: pino({ level: "silent" }),
    store: false,
    shutdownDeadlineMs: 200,
    ...extra,
  });
  const srv = await sdk.listen({ port: 0 });
  servers.push(srv);
  const peer = await connectPeer(srv.wsUrl, auth);
  peers.push(peer);
  return { sdk, srv, peer };
}

function runFrame(agent: string, extra: Record<string, unknown> = {}, inputOverrides = {}) {
  const input = runInput(inputOverrides);
  return {
    frame: { type: "run", id: `f-${input.runId}`, agent, input, ...extra },
    runId: input.runId as string,
  };
}

describe("tracing without an OpenTelemetry SDK", () => {
  it("records nothing, yet hands the client's traceparent and tracestate to the agent", async () => {
    const { peer } = await serve();
    const { frame, runId } = runFrame("traced", { traceparent: TRACEPARENT, tracestate: "vendor=1" });
    peer.send(frame);
    await peer.runEvents(runId);
    expect(seenByAgent.at(-1)).toEqual({ traceparent: TRACEPARENT, tracestate: "vendor=1" });
    const plain = runFrame("traced");
    peer.send(plain.frame);
    await peer.runEvents(plain.runId);
    expect(seenByAgent.at(-1)).toEqual({});
  });
});

describe("@backchannel/client", () => {
  it("startRun({ traceparent, tracestate }) sends them in the run frame, so the agent gets them", async () => {
    const { srv } = await serve();
    const client = createClient({ url: srv.wsUrl, token: KEY, WebSocket: WebSocket as never });
    try {
      const run = client.startRun({ agent: "traced", traceparent: TRACEPARENT, tracestate: "vendor=2" });
      expect((await run.done).status).toBe("finished");
      expect(seenByAgent.at(-1)).toEqual({ traceparent: TRACEPARENT, tracestate: "vendor=2" });
    } finally {
      client.close();
    }
  });
});

describe("tracing with the SDK's in-memory exporter", () => {
  const exporter = new InMemorySpanExporter();
  const contextManager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    contextManager.enable();
    context.setGlobalContextManager(contextManager);
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
  });
  afterAll(() => {
    trace.disable();
    context.disable();
  });
  afterEach(() => exporter.reset());

  const runSpan = (runId: string): ReadableSpan => {
    const span = exporter
      .getFinishedSpans()
      .find((s) => s.name === "backchannel.run" && s.attributes["backchannel.run_id"] === runId);
    expect(span, `no backchannel.run span for ${runId}`).toBeDefined();
    return span!;
  };

  it("a WebSocket run's span joins the client's trace, carries agent/outcome/events/first-event/resumed, and the agent runs inside it", async () => {
    const { sdk, srv, peer } = await serve();
    const { frame, runId } = runFrame("traced", { traceparent: TRACEPARENT });
    peer.send(frame);
    const events = await peer.runEvents(runId);
    await sdk.registry.get(runId)!.done;
    const span = runSpan(runId);
    expect(span.spanContext().traceId).toBe(TRACE_ID);
    expect(span.parentSpanContext?.spanId).toBe(CLIENT_SPAN);
    expect(span.attributes).toMatchObject({
      "backchannel.agent": "traced",
      "backchannel.run.outcome": "finished",
      "backchannel.run.events": events.at(-1).seq,
      "backchannel.run.resumed": false,
    });
    expect(span.attributes["backchannel.run.first_event_ms"]).toBeTypeOf("number");
    const seen = seenByAgent.at(-1)!;
    expect(seen.traceparent).toBe(`00-${TRACE_ID}-${span.spanContext().spanId}-01`);
    // The agent's own span nests under the run span (the run executes in its context).
    expect(seen.activeSpanId).toBe(span.spanContext().spanId);
    const agentSpan = exporter.getFinishedSpans().find((s) => s.name === "agent.work")!;
    expect(agentSpan.parentSpanContext?.spanId).toBe(span.spanContext().spanId);

    // A run resumed by another socket while it runs is marked resumed; a cancelled one says so.
    const slow = runFrame("streamer", {}, { forwardedProps: { count: 40, delayMs: 5 } });
    peer.send(slow.frame);
    await peer.next((f) => f.runId === slow.runId && f.seq >= 5);
    const other = await connectPeer(srv.wsUrl, auth);
    peers.push(other);
    other.send({ type: "resume", runId: slow.runId, after: 3 });
    await other.runEvents(slow.runId);
    await sdk.registry.get(slow.runId)!.done;
    expect(runSpan(slow.runId).attributes["backchannel.run.resumed"]).toBe(true);
    // No traceparent: a new trace.
    expect(runSpan(slow.runId).parentSpanContext).toBeUndefined();

    const stuck = runFrame("hanger");
    peer.send(stuck.frame);
    await peer.next((f) => f.runId === stuck.runId && f.event?.type === "STEP_STARTED");
    peer.send({ type: "cancel", runId: stuck.runId });
    await peer.runEvents(stuck.runId);
    await sdk.registry.get(stuck.runId)!.done;
    expect(runSpan(stuck.runId).attributes["backchannel.run.outcome"]).toBe("cancelled");
  });

  it("an HTTP run takes the traceparent header", async () => {
    const { sdk, srv } = await serve();
    const input = runInput();
    const sse = await openSse(`${srv.httpUrl}/copilotkit/agents/traced/run`, {
      method: "POST",
      headers: {
        ...auth.headers,
        "content-type": "application/json",
        accept: "text/event-stream",
        traceparent: TRACEPARENT,
      },
      body: JSON.stringify(input),
    });
    await sse.ended;
    await sdk.registry.get(input.runId)!.done;
    const span = runSpan(input.runId);
    expect(span.spanContext().traceId).toBe(TRACE_ID);
    expect(span.parentSpanContext?.spanId).toBe(CLIENT_SPAN);
  });

  it("a malformed traceparent starts a new trace instead of failing the run", async () => {
    const { sdk, peer } = await serve();
    const { frame, runId } = runFrame("traced", { traceparent: `00-${"0".repeat(32)}-${CLIENT_SPAN}-01` });
    peer.send(frame);
    await peer.runEvents(runId);
    await sdk.registry.get(runId)!.done;
    const span = runSpan(runId);
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.spanContext().traceId).not.toBe("0".repeat(32));
  });

  describe("RemoteAgent", () => {
    let endpoint: Server | undefined;
    afterEach(() => {
      endpoint?.closeAllConnections();
      endpoint?.close();
    });

    it("forwards the run's traceparent, so the remote agent joins the browser's trace", async () => {
      const headers: IncomingMessage["headers"][] = [];
      endpoint = createServer(async (req, res) => {
        headers.push(req.headers);
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        res.writeHead(200, { "content-type": "text/event-stream" });
        for (const e of [
          { type: "RUN_STARTED", threadId: body.threadId, runId: body.runId },
          { type: "TEXT_MESSAGE_START", messageId: "r1", role: "assistant" },
          { type: "TEXT_MESSAGE_CONTENT", messageId: "r1", delta: "from python" },
          { type: "TEXT_MESSAGE_END", messageId: "r1" },
          { type: "RUN_FINISHED", threadId: body.threadId, runId: body.runId },
        ])
          res.write(`data: ${JSON.stringify(e)}\n\n`);
        res.end();
      });
      await new Promise<void>((r) => endpoint!.listen(0, "127.0.0.1", r));
      const url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/agent`;
      const { sdk, peer } = await serve({
        agents: [new RemoteAgent({ name: "py", description: "remote", url })] as never,
      });
      const { frame, runId } = runFrame("py", { traceparent: TRACEPARENT, tracestate: "vendor=1" });
      peer.send(frame);
      await peer.runEvents(runId);
      await sdk.registry.get(runId)!.done;
      const span = runSpan(runId);
      expect(headers[0]?.traceparent).toBe(`00-${TRACE_ID}-${span.spanContext().spanId}-01`);
      expect(headers[0]?.tracestate).toBe("vendor=1");
    });
  });

  describe.skipIf(!redisUp)("cluster mode and store", () => {
    it("Redis hops and store writes are spans; the run's Redis writes join the client's trace", async () => {
      const { sdk, peer } = await serve({
        store: undefined,
        dataDir: ":memory:",
        cluster: { redis: TEST_REDIS_URL, keyPrefix: `bct:trace:${Date.now()}:` },
      });
      const { frame, runId } = runFrame("traced", { traceparent: TRACEPARENT });
      peer.send(frame);
      await peer.runEvents(runId);
      const run = sdk.registry.get(runId)!;
      await run.done;
      await sdk.threads!.flush();
      const spans = exporter.getFinishedSpans();
      const names = spans.map((s) => s.name);
      expect(names).toContain("backchannel.redis start_run");
      expect(names).toContain("backchannel.redis append_events");
      expect(names).toContain("backchannel.store claimThread");
      const start = spans.find((s) => s.name === "backchannel.redis start_run")!;
      expect(start.spanContext().traceId).toBe(TRACE_ID);
      const appends = spans.filter((s) => s.name === "backchannel.redis append_events");
      const runSpanId = runSpan(runId).spanContext().spanId;
      expect(appends.every((s) => s.parentSpanContext?.spanId === runSpanId)).toBe(true);
      expect(spans.find((s) => s.name === "backchannel.store claimThread")!.attributes["db.system"]).toBe(
        "sqlite",
      );
    });
  });
});
