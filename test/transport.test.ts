/**
 * The client's frame-level transports over real sockets against a real runtime: the WebSocket,
 * HTTP + SSE, and "auto" behind a proxy that refuses (or passes) WebSocket upgrades. Each one
 * takes frames in `send(frame)` and hands decoded frames to `onFrame`; `kind` says which it is.
 */
import type { EventFrame, ServerFrame } from "@backchannel/protocol";
import { CopilotKitSDK, type ListeningServer } from "@backchannel/server";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { WebSocket } from "ws";
import { chooseTransport } from "../packages/client/src/auto-transport.js";
import { httpBaseFromWsUrl } from "../packages/client/src/endpoint.js";
import type { Endpoint, Transport, TransportKind } from "../packages/client/src/transport.js";
import { testAgents } from "./helpers/agents.js";
import { createRefusingProxy, type RefusingProxy } from "./helpers/refusing-proxy.js";

const KEY = "transport-key-0123456789";
let sdk: CopilotKitSDK;
let backend: ListeningServer;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  sdk = new CopilotKitSDK({
    agents: testAgents as never,
    auth: { apiKeys: KEY },
    logger: pino({ level: "silent" }),
  });
  backend = await sdk.listen({ port: 0 });
});
afterAll(() => backend.close());
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const endpointAt = (wsUrl: string): Endpoint => ({
  wsUrl,
  httpBase: httpBaseFromWsUrl(wsUrl),
  socketToken: KEY,
  httpToken: KEY,
});

const chooser = (mode: "websocket" | "sse" | "auto") =>
  chooseTransport({ mode, WebSocket, authMode: "subprotocol", fetch, websocketRetryMs: 60_000 });

/** Opens a transport (with `openWith`: a client's chooser, shared between attempts) and records everything it reports. */
function open(mode: "websocket" | "sse" | "auto", endpoint: Endpoint, openWith = chooser(mode)) {
  const frames: ServerFrame[] = [];
  const closes: { code: number; reason: string }[] = [];
  let opened = 0;
  let unreadable = 0;
  const transport: Transport = openWith(endpoint, {
    onOpen: () => opened++,
    onFrame: (frame) => frames.push(frame),
    onUnreadable: () => unreadable++,
    onClose: (code, reason) => closes.push({ code, reason }),
  });
  cleanups.push(() => transport.abandon(1000, "test over"));
  return {
    transport,
    frames,
    closes,
    opened: () => opened,
    unreadable: () => unreadable,
  };
}

type Opened = ReturnType<typeof open>;

const waitFor = <T>(fn: () => T) => vi.waitFor(fn, { timeout: 10_000, interval: 5 });

/** Waits for `ready`, runs `streamer` for `count` tokens, and returns the run's event frames. */
async function runThrough(t: Opened, count: number): Promise<EventFrame[]> {
  await waitFor(() => expect(t.frames.some((f) => f.type === "ready")).toBe(true));
  const runId = `run-${Math.random().toString(36).slice(2)}`;
  const sent = t.transport.send({
    type: "run",
    id: runId,
    agent: "streamer",
    input: {
      threadId: `thread-${runId}`,
      runId,
      messages: [],
      tools: [],
      context: [],
      state: {},
      forwardedProps: { count },
    },
  });
  expect(sent).toBe(true);
  const events = () => t.frames.filter((f): f is EventFrame => f.type === "event" && f.runId === runId);
  await waitFor(() => expect(events().some((f) => f.event.type === "RUN_FINISHED")).toBe(true));
  return events();
}

function expectStreamed(events: EventFrame[], count: number): void {
  // Frames arrive decoded (objects, not text) with contiguous seqs.
  const seqs = events.flatMap((f) => {
    const first = f.first ?? f.seq;
    return Array.from({ length: f.seq - first + 1 }, (_, i) => first + i);
  });
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  const text = events
    .map((f) =>
      f.event.type === "TEXT_MESSAGE_CONTENT" ? (f.event as unknown as { delta: string }).delta : "",
    )
    .join("");
  expect(text).toBe(Array.from({ length: count }, (_, i) => `t${i} `).join(""));
}

describe.each(["websocket", "sse"] as const)("the %s transport", (mode) => {
  it("opens, says what it is, carries frames both ways, and closes", async () => {
    const t = open(mode, endpointAt(backend.wsUrl));
    expect(t.transport.kind).toBe(mode);
    expect(t.transport.send({ type: "ping", ts: 1 })).toBe(false); // not open yet
    expectStreamed(await runThrough(t, 5), 5);
    expect(t.opened()).toBe(1);
    const ready = t.frames.find((f) => f.type === "ready");
    expect(ready).toMatchObject({ protocol: "backchannel.v1", agents: expect.any(Array) });

    expect(t.transport.send({ type: "ping", ts: 42 })).toBe(true);
    await waitFor(() => expect(t.frames).toContainEqual({ type: "pong", ts: 42 }));
    expect(t.unreadable()).toBe(0);

    t.transport.close(1000, "done");
    await waitFor(() => expect(t.closes).toHaveLength(1));
    expect(t.closes[0]!.code).toBe(1000);
    expect(t.transport.send({ type: "ping" })).toBe(false);
  });

  it("reports a refused credential as close 1008", async () => {
    const t = open(mode, { ...endpointAt(backend.wsUrl), socketToken: "wrong", httpToken: "wrong" });
    await waitFor(() => expect(t.closes).toHaveLength(1));
    expect(t.closes[0]!.code).toBe(1008);
    expect(t.frames.some((f) => f.type === "ready")).toBe(false);
  });

  it("reports nothing after abandon()", async () => {
    const t = open(mode, endpointAt(backend.wsUrl));
    await waitFor(() => expect(t.frames.some((f) => f.type === "ready")).toBe(true));
    t.transport.abandon(1000, "gone");
    const seen = t.frames.length;
    // A run's worth of server activity elsewhere gives any stray callback time to show up.
    const other = open(mode, endpointAt(backend.wsUrl));
    await runThrough(other, 3);
    expect(t.frames).toHaveLength(seen);
    expect(t.closes).toEqual([]);
  });
});

describe('"auto"', () => {
  let proxy: RefusingProxy;
  beforeAll(async () => {
    proxy = await createRefusingProxy({ port: backend.port });
  });
  afterAll(() => proxy.close());

  const viaProxy = () => endpointAt(`${proxy.wsOrigin}/copilotkit/ws`);

  it("goes on over SSE within the same attempt when the upgrade is refused, and says so", async () => {
    proxy.refuseUpgrades(true);
    const seenBefore = proxy.upgradesSeen;
    const client = chooser("auto");
    const t = open("auto", viaProxy(), client);
    expect(t.transport.kind).toBe("websocket");
    expectStreamed(await runThrough(t, 8), 8);
    expect(t.transport.kind).toBe("sse");
    expect(proxy.upgradesSeen).toBe(seenBefore + 1);
    expect(t.opened()).toBe(1);
    expect(t.closes).toEqual([]);

    // The refusal is remembered: the next attempt starts on SSE without trying the upgrade.
    const next = open("auto", viaProxy(), client);
    const kinds: TransportKind[] = [next.transport.kind];
    expectStreamed(await runThrough(next, 2), 2);
    kinds.push(next.transport.kind);
    expect(kinds).toEqual(["sse", "sse"]);
    expect(proxy.upgradesSeen).toBe(seenBefore + 1);
  });

  it("stays on the WebSocket when the upgrade passes", async () => {
    proxy.refuseUpgrades(false);
    const direct = chooseTransport({
      mode: "auto",
      WebSocket,
      authMode: "frame",
      fetch,
      websocketRetryMs: 60_000,
    });
    const frames: ServerFrame[] = [];
    const passedBefore = proxy.upgradesPassed;
    const transport = direct(viaProxy(), {
      onOpen: () => {},
      onFrame: (f) => frames.push(f),
      onUnreadable: () => {},
      onClose: () => {},
    });
    cleanups.push(() => transport.abandon(1000, "test over"));
    // authMode "frame": the credential goes in an `auth` frame the transport sends on open.
    await waitFor(() => expect(frames.some((f) => f.type === "ready")).toBe(true));
    expect(transport.kind).toBe("websocket");
    expect(proxy.upgradesPassed).toBe(passedBefore + 1);
  });
});
