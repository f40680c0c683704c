/**
 * Chaos: hundreds of runs while sockets die at random points, cut by a TCP proxy (RST on both
 * sides) or dropped by the client. Every client reconnects at once and resumes; every
 * transcript must equal what the agent produced, with no gap and no duplicate frame.
 *
 * Two kinds of client: a raw protocol client that checks every frame against the rules of
 * docs/protocol.md (the server's side of the bargain), and @backchannel/client (the whole
 * path a product uses). Seeded: RELIABILITY_SEED=<n> replays a failing run's schedule.
 */
import { createClient } from "@backchannel/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { createTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.js";
import { canonical, chaosAgent, produced } from "./chaos-agent.js";
import { API_KEY, delay, type Harness, prng, runSeed, startHarness } from "./harness.js";

const SEED = runSeed();
const PROTOCOL_RUNS = 320;
const LIBRARY_RUNS = 200;

let h: Harness;
beforeAll(async () => {
  h = await startHarness([chaosAgent], {
    limits: {
      runsPerSecond: 10_000,
      runBurst: 10_000,
      maxConnectionsPerPrincipal: 1000,
      maxRunsPerConnection: 64,
    },
  });
});
afterAll(() => h.close());

/** Cuts at random intervals until stopped: the proxy (every socket) or one client's socket. */
function chaosMonkey(rand: () => number, proxy: TcpProxy, dropOne: () => void): { stop(): number } {
  let kills = 0;
  let timer: NodeJS.Timeout;
  const tick = () => {
    if (rand() < 0.5) proxy.cut();
    else dropOne();
    kills++;
    timer = setTimeout(tick, 5 + rand() * 25);
  };
  timer = setTimeout(tick, 5 + rand() * 25);
  return {
    stop() {
      clearTimeout(timer);
      return kills;
    },
  };
}

interface TrackedRun {
  input: Record<string, any>;
  events: Record<string, unknown>[];
  lastSeq: number;
  finished: boolean;
  /** How often it was resumed mid-stream after a lost socket. */
  resumes: number;
}

/**
 * A raw `backchannel.v1` client that reconnects at once on any close and resumes every
 * unfinished run from its last seq (or resends its `run` frame if it saw nothing yet). It
 * records a violation for any frame that is not exactly the next one expected.
 */
function protocolClient(url: string, rand: () => number, violations: string[]) {
  const runs = new Map<string, TrackedRun>();
  let ws: WebSocket | undefined;
  let stopped = false;
  let connects = 0;
  let onIdle: (() => void) | undefined;

  const sendFor = (socket: WebSocket, run: TrackedRun) => {
    if (run.lastSeq > 0) {
      run.resumes++;
      socket.send(JSON.stringify({ type: "resume", runId: run.input.runId, after: run.lastSeq }));
    } else
      socket.send(JSON.stringify({ type: "run", id: run.input.runId, agent: "chaos", input: run.input }));
  };

  const connect = () => {
    if (stopped) return;
    connects++;
    const socket = new WebSocket(url, ["backchannel.v1"], {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    ws = socket;
    socket.on("error", () => {});
    socket.on("message", (data) => {
      const f = JSON.parse(String(data));
      if (f.type === "ready") {
        for (const run of runs.values()) if (!run.finished) sendFor(socket, run);
        return;
      }
      if (f.type === "error") {
        violations.push(`error frame ${f.code}: ${f.message}`);
        return;
      }
      if (f.type !== "event") return;
      const run = runs.get(f.runId);
      if (!run) return violations.push(`event for unknown run ${f.runId}`);
      const first = f.first ?? f.seq;
      if (first <= run.lastSeq)
        return violations.push(`duplicate: ${f.runId} seq ${first} after ${run.lastSeq}`);
      if (first !== run.lastSeq + 1)
        return violations.push(`gap: ${f.runId} seq ${first} after ${run.lastSeq}`);
      run.lastSeq = f.seq;
      run.events.push(f.event);
      if (f.event.type === "RUN_FINISHED" || f.event.type === "RUN_ERROR") {
        run.finished = true;
        if ([...runs.values()].every((r) => r.finished)) onIdle?.();
      }
    });
    socket.on("close", () => {
      if (ws === socket) setTimeout(connect, Math.floor(rand() * 4));
    });
  };
  connect();

  return {
    runs,
    get connects() {
      return connects;
    },
    start(input: Record<string, any>) {
      const run: TrackedRun = { input, events: [], lastSeq: 0, finished: false, resumes: 0 };
      runs.set(input.runId, run);
      if (ws?.readyState === WebSocket.OPEN) sendFor(ws, run);
    },
    /** Resolves when every started run has finished. */
    idle(): Promise<void> {
      if ([...runs.values()].every((r) => r.finished)) return Promise.resolve();
      return new Promise((resolve) => {
        onIdle = resolve;
      });
    },
    drop() {
      ws?.terminate();
    },
    stop() {
      stopped = true;
      ws?.terminate();
    },
  };
}

function inputFor(seed: number, i: number): Record<string, any> {
  return {
    threadId: `chaos-thread-${seed}-${i}`,
    runId: `chaos-${seed}-${i}`,
    messages: [{ id: `u-${i}`, role: "user", content: "go" }],
    tools: [],
    context: [],
    state: {},
    forwardedProps: { seed: seed + i },
  };
}

/** The transcript's agent part: everything between the server's RUN_STARTED and RUN_FINISHED. */
function agentPart(events: Record<string, unknown>[]): Record<string, unknown>[] {
  return canonical(events.filter((e) => e.type !== "RUN_STARTED" && e.type !== "RUN_FINISHED"));
}

describe(`chaos (seed ${SEED})`, () => {
  it(`${PROTOCOL_RUNS} runs over raw protocol clients: exact transcripts, no gap, no duplicate`, async () => {
    const rand = prng(SEED);
    const proxy = await createTcpProxy({ port: h.srv.port });
    const violations: string[] = [];
    const clients = Array.from({ length: 8 }, () =>
      protocolClient(proxy.url("/copilotkit/ws"), rand, violations),
    );
    const monkey = chaosMonkey(rand, proxy, () => clients[Math.floor(rand() * clients.length)]!.drop());
    // Start runs in waves so that some begin while sockets are down.
    for (let i = 0; i < PROTOCOL_RUNS; i++) {
      clients[i % clients.length]!.start(inputFor(SEED, i));
      if (i % 16 === 15) await delay(15);
    }
    await Promise.all(clients.map((c) => c.idle()));
    const kills = monkey.stop();
    for (const c of clients) c.stop();
    await proxy.close();

    expect(violations).toEqual([]);
    expect(kills).toBeGreaterThan(10);
    const reconnects = clients.reduce((n, c) => n + c.connects, 0) - clients.length;
    expect(reconnects).toBeGreaterThan(10);
    let checked = 0;
    let resumed = 0;
    for (const c of clients) {
      for (const run of c.runs.values()) {
        expect(run.events[0]).toMatchObject({ type: "RUN_STARTED", runId: run.input.runId });
        expect(run.events.at(-1)).toMatchObject({ type: "RUN_FINISHED", runId: run.input.runId });
        expect(run.events.at(-1)).not.toHaveProperty("outcome.type", "cancelled");
        expect(agentPart(run.events)).toEqual(canonical(produced.get(run.input.runId)!));
        checked++;
        if (run.resumes > 0) resumed++;
      }
    }
    expect(checked).toBe(PROTOCOL_RUNS);
    // Most runs must actually have lost their socket mid-stream, or this proved little.
    expect(resumed).toBeGreaterThan(PROTOCOL_RUNS / 4);
  });

  it(`${LIBRARY_RUNS} runs through @backchannel/client: every RunHandle yields exactly what the agent produced`, async () => {
    const rand = prng(SEED ^ 0x5bd1e995);
    const proxy = await createTcpProxy({ port: h.srv.port });
    const clients = Array.from({ length: 6 }, () =>
      createClient({
        url: proxy.url("/copilotkit/ws"),
        token: API_KEY,
        WebSocket: WebSocket as never,
        reconnect: { initialDelayMs: 1, maxDelayMs: 20, jitter: 0.5 },
      }),
    );
    let reconnects = 0;
    for (const c of clients) {
      let was = c.connectionState;
      c.subscribe(() => {
        if (was !== "connected" && c.connectionState === "connected") reconnects++;
        was = c.connectionState;
      });
    }
    const monkey = chaosMonkey(rand, proxy, () => clients[Math.floor(rand() * clients.length)]!.reconnect());
    const offset = PROTOCOL_RUNS;
    const results = await Promise.all(
      Array.from({ length: LIBRARY_RUNS }, async (_, i) => {
        await delay(Math.floor(i / 12) * 15);
        const input = inputFor(SEED, offset + i);
        const handle = clients[i % clients.length]!.startRun({ agent: "chaos", input: input as never });
        const events: Record<string, unknown>[] = [];
        for await (const e of handle) events.push(e as never);
        return { input, events, result: await handle.done };
      }),
    );
    const kills = monkey.stop();
    for (const c of clients) c.close();
    await proxy.close();

    expect(kills).toBeGreaterThan(10);
    expect(reconnects).toBeGreaterThan(10);
    for (const { input, events, result } of results) {
      expect(result.status).toBe("finished");
      expect(agentPart(events)).toEqual(canonical(produced.get(input.runId)!));
    }
  });
});
