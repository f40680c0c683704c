import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { testAgents } from "../../../../test/helpers/agents.js";
import { openSse } from "../../../../test/helpers/sse-client.js";
import { connectPeer, type Peer, runInput, startRun } from "../../../../test/helpers/ws-peer.js";
import { CopilotKitSDK, type ListeningServer, type SDKOptions } from "../index.js";

const KEY = "metrics-test-key-0000";
const TOKEN = "metrics-token-000000000000";
const auth = { headers: { authorization: `Bearer ${KEY}` } };
const silent = pino({ level: "silent" });
const open: { close(): Promise<void> }[] = [];
const peers: Peer[] = [];

afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  for (const s of open.splice(0)) await s.close();
});

async function serve(extra: Partial<SDKOptions> = {}): Promise<{ sdk: CopilotKitSDK; srv: ListeningServer }> {
  const sdk = new CopilotKitSDK({
    agents: testAgents as never,
    auth: { apiKeys: KEY },
    logger: silent,
    store: false,
    metrics: { token: TOKEN },
    shutdownDeadlineMs: 200,
    ...extra,
  });
  const srv = await sdk.listen({ port: 0 });
  open.push(srv);
  return { sdk, srv };
}

async function peer(url: string, opts = auth): Promise<Peer> {
  const p = await connectPeer(url, opts);
  peers.push(p);
  return p;
}

/** Scrapes over HTTP and returns `name{labels}` → value, plus the raw text. */
async function scrape(url: string, token = TOKEN): Promise<{ values: Map<string, number>; text: string }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return { values, text };
}

/** Events a peer received, counting each event of a merged text frame. */
function eventsReceived(p: Peer): number {
  return p.frames
    .filter((f) => f.type === "event")
    .reduce((n, f) => n + (f.first === undefined ? 1 : f.seq - f.first + 1), 0);
}

describe("metrics", () => {
  it("counts real runs, resumes, auth failures and events, scraped over HTTP with the bearer token", async () => {
    const { srv } = await serve();
    const metricsUrl = `${srv.httpUrl}/copilotkit/metrics`;
    const a = await peer(srv.wsUrl);

    const done1 = startRun(a, "streamer", { forwardedProps: { count: 7 } });
    const done2 = startRun(a, "streamer", { forwardedProps: { count: 3, delayMs: 5 } });
    const failed = startRun(a, "thrower");
    for (const id of [done1, done2, failed]) await a.runEvents(id);
    const stuck = startRun(a, "hanger");
    await a.next((f) => f.runId === stuck && f.event?.type === "STEP_STARTED");
    a.send({ type: "cancel", runId: stuck });
    await a.runEvents(stuck);

    // Resumes: one that replays, one of an unknown run.
    const b = await peer(srv.wsUrl);
    b.send({ type: "resume", runId: done1, after: 2, id: "r1" });
    await b.runEvents(done1);
    b.send({ type: "resume", runId: "no-such-run", after: 0, id: "r2" });
    await b.next((f) => f.type === "error" && f.id === "r2");

    // An auth failure: a wrong key (closed with 1008 once the server counted it).
    const bad = await connectPeer(srv.wsUrl, {
      headers: { authorization: "Bearer wrong-key-0000000" },
    }).catch((e: Error) => e);
    if (!(bad instanceof Error)) expect((await bad.closed).code).toBe(1008);

    expect((await fetch(metricsUrl)).status).toBe(401);
    expect(
      (await fetch(metricsUrl, { headers: { authorization: "Bearer metrics-token-000000000001" } })).status,
    ).toBe(401);
    const { values, text } = await scrape(metricsUrl);
    expect(values.get('backchannel_runs_started_total{agent="streamer"}')).toBe(2);
    expect(values.get('backchannel_runs_started_total{agent="thrower"}')).toBe(1);
    expect(values.get('backchannel_runs_finished_total{agent="streamer",outcome="finished"}')).toBe(2);
    expect(values.get('backchannel_runs_finished_total{agent="thrower",outcome="error"}')).toBe(1);
    expect(values.get('backchannel_runs_finished_total{agent="hanger",outcome="cancelled"}')).toBe(1);
    expect(values.get('backchannel_run_duration_seconds_count{agent="streamer"}')).toBe(2);
    // Text started in both streamer runs and the thrower's; the hanger never produced text or tools.
    expect(values.get('backchannel_first_event_seconds_count{agent="streamer"}')).toBe(2);
    expect(values.get('backchannel_first_event_seconds_count{agent="thrower"}')).toBe(1);
    expect(values.has('backchannel_first_event_seconds_count{agent="hanger"}')).toBe(false);
    expect(values.get('backchannel_resumes_total{result="ok"}')).toBe(1);
    expect(values.get('backchannel_resumes_total{result="unavailable"}')).toBe(1);
    expect(values.get('backchannel_auth_failures_total{reason="invalid"}')).toBe(1);
    expect(values.get('backchannel_connections{transport="websocket"}')).toBe(2);
    expect(values.get('backchannel_connections{transport="sse"}')).toBe(0);
    expect(values.get("backchannel_events_sent_total")).toBe(eventsReceived(a) + eventsReceived(b));
    expect(values.get("backchannel_slow_consumer_closes_total")).toBe(0);
    expect(values.get("backchannel_response_cache_hits_total")).toBe(0);
    // Default process metrics are there.
    expect(values.has("process_cpu_user_seconds_total")).toBe(true);
    expect(values.has("nodejs_eventloop_lag_seconds")).toBe(true);
    // Low cardinality: never a run, thread or user id in a label.
    for (const id of [done1, done2, failed, stuck, KEY]) expect(text).not.toContain(id);
  });

  it("counts an origin refused at the upgrade", async () => {
    const { srv } = await serve({ allowedOrigins: ["https://app.example"] });
    const refused = await connectPeer(srv.wsUrl, { ...auth, origin: "https://evil.example" }).catch((e) => e);
    expect(refused).toBeInstanceOf(Error);
    const { values } = await scrape(`${srv.httpUrl}/copilotkit/metrics`);
    expect(values.get('backchannel_auth_failures_total{reason="origin_not_allowed"}')).toBe(1);
  });

  it("counts SSE streams as connections and slow consumers cut at 4001", async () => {
    const { sdk, srv } = await serve({
      limits: { outboundHighWaterBytes: 16 * 1024, maxOutboundQueueBytes: 128 * 1024 },
      resume: { maxBytes: 64 * 1024 * 1024, maxEvents: 100_000 },
    });
    const sse = await openSse(`${srv.httpUrl}/copilotkit/agents/hanger/run`, {
      method: "POST",
      headers: { ...auth.headers, "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify(runInput()),
    });
    const slow = await peer(srv.wsUrl);
    const raw = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause(); // stop reading: the kernel buffers fill, then the server's outbox overflows
    const flood = startRun(slow, "flood", { forwardedProps: { count: 20_000, size: 1024 } });
    const run = await vi.waitFor(() => sdk.registry.get(flood) ?? Promise.reject(new Error("not started")));
    await run.done;
    raw.resume();
    expect((await slow.closed).code).toBe(4001);
    const { values } = await scrape(`${srv.httpUrl}/copilotkit/metrics`);
    expect(values.get('backchannel_connections{transport="sse"}')).toBe(1);
    expect(values.get('backchannel_connections{transport="websocket"}')).toBe(0);
    expect(values.get("backchannel_slow_consumer_closes_total")).toBe(1);
    sse.abort();
  });

  it("keeps one registry per runtime: two runtimes in one process count apart", async () => {
    const one = await serve();
    const two = await serve();
    const p = await peer(one.srv.wsUrl);
    await p.runEvents(startRun(p, "streamer"));
    const first = await scrape(`${one.srv.httpUrl}/copilotkit/metrics`);
    const second = await scrape(`${two.srv.httpUrl}/copilotkit/metrics`);
    expect(first.values.get('backchannel_runs_started_total{agent="streamer"}')).toBe(1);
    expect(second.values.has('backchannel_runs_started_total{agent="streamer"}')).toBe(false);
    expect(one.sdk.metrics.registry).not.toBe(two.sdk.metrics.registry);
  });

  it("is not served on the main port without a token; a separate listener serves it without one", async () => {
    const { sdk, srv } = await serve({ metrics: { port: 0 } });
    const main = await fetch(`${srv.httpUrl}/copilotkit/metrics`);
    expect(main.status).toBe(404);
    expect((await main.json()).error.message).toMatch(/METRICS_TOKEN/);
    const { url } = await sdk.listenMetrics();
    expect(url).not.toContain(String(srv.port));
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("# TYPE backchannel_runs_started_total counter");
    expect((await fetch(url.replace("/metrics", "/other"))).status).toBe(404);
  });
});
