/**
 * Leaks: after every client has left (finished, cancelled, dropped mid-run, never
 * authenticated, streamed over SSE, stalled and cut), the runtime holds nothing for them: no
 * sessions, no per-user counters, no subscribers or abort listeners on runs, no open SSE
 * streams, no tracked runs in persistence, no sockets or timers beyond its own, and finished
 * runs (with their buffers) go once their resume retention ends. Three rounds of the same
 * workload must leave the same state behind as one.
 */
import { getEventListeners } from "node:events";
import type { Agent } from "@backchannel/server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { testAgents } from "../helpers/agents.js";
import { connectPeer, type Peer, startRun } from "../helpers/ws-peer.js";
import { API_KEY, AUTH, delay, eventually, type Harness, startHarness } from "./harness.js";

// Agents that clean up after themselves, so that whatever is left is the runtime's.
let aborted = 0;
const waiter: Agent = {
  name: "waiter",
  description: "Waits for its cancel",
  async *run(_input, ctx) {
    yield { type: "STEP_STARTED", stepName: "wait" };
    await new Promise<void>((resolve) =>
      ctx.signal.addEventListener(
        "abort",
        () => {
          aborted++;
          resolve();
        },
        { once: true },
      ),
    );
  },
};
const ticker: Agent = {
  name: "ticker",
  description: "One delta per timer tick",
  async *run(input) {
    const messageId = `m-${input.runId}`;
    yield { type: "TEXT_MESSAGE_START", messageId, role: "assistant" };
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 1));
      yield { type: "TEXT_MESSAGE_CONTENT", messageId, delta: `k${i} ` };
    }
    yield { type: "TEXT_MESSAGE_END", messageId };
  },
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness([...(testAgents as never[]), waiter, ticker], {
    store: undefined,
    dataDir: ":memory:",
    limits: {
      runsPerSecond: 10_000,
      runBurst: 10_000,
      maxConnectionsPerPrincipal: 1000,
      outboundHighWaterBytes: 16 * 1024,
      maxOutboundQueueBytes: 64 * 1024,
    },
    resume: { retentionMs: 60_000 },
  });
});
afterAll(() => h.close());

/** A private field of the runtime, failing loudly if a rename would make the check vacuous. */
function field<T>(owner: object, name: string): T {
  const value = (owner as Record<string, unknown>)[name];
  if (value === undefined)
    throw new Error(`the runtime has no field '${name}' any more; update the leak suite`);
  return value as T;
}

/** Active handles and requests by type (timers, sockets, ...). */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

async function sseRun(abortEarly: boolean): Promise<void> {
  const ac = new AbortController();
  const res = await fetch(`${h.srv.httpUrl}/copilotkit/agents/${abortEarly ? "ticker" : "streamer"}/run`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${API_KEY}`,
      "content-type": "application/json",
      accept: "text/event-stream",
    },
    body: JSON.stringify({
      threadId: `sse-${Math.random()}`,
      runId: `sse-run-${Math.random()}`,
      messages: [],
      tools: [],
      context: [],
      state: {},
      forwardedProps: { count: 50 },
    }),
    signal: ac.signal,
  });
  expect(res.status).toBe(200);
  if (abortEarly) {
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    await reader.cancel().catch(() => {});
  } else await res.text();
}

/** One round: every way a client can come and go. */
async function workload(): Promise<void> {
  // Runs that finish, on sockets that then close cleanly.
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      const p = await connectPeer(h.srv.wsUrl, AUTH);
      await Promise.all(
        [0, 1, 2].map(() => p.runEvents(startRun(p, "streamer", { forwardedProps: { count: 30 } }))),
      );
      p.close();
      await p.closed;
    }),
  );
  // Runs cancelled mid-way (the agent waits on its signal).
  await Promise.all(
    Array.from({ length: 5 }, async () => {
      const p = await connectPeer(h.srv.wsUrl, AUTH);
      const runId = startRun(p, "waiter");
      await p.next((f) => f.type === "event" && f.runId === runId && f.event.type === "STEP_STARTED");
      p.send({ type: "cancel", runId });
      await p.runEvents(runId);
      p.close();
      await p.closed;
    }),
  );
  // Sockets dropped mid-run; another socket resumes half of the runs to their end.
  const dropped: string[] = [];
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      const p = await connectPeer(h.srv.wsUrl, AUTH);
      const runId = startRun(p, "ticker");
      await p.next((f) => f.type === "event" && f.runId === runId && f.seq >= 5);
      p.ws.terminate();
      await p.closed;
      dropped.push(runId);
    }),
  );
  const resumer = await connectPeer(h.srv.wsUrl, AUTH);
  for (const runId of dropped.slice(0, 5)) {
    resumer.send({ type: "resume", runId, after: 3 });
    await resumer.runEvents(runId);
  }
  resumer.close();
  // Sockets that never authenticate.
  const strangers: Peer[] = await Promise.all(
    Array.from({ length: 5 }, () => connectPeer(h.srv.wsUrl, { awaitReady: false })),
  );
  for (const p of strangers) p.ws.terminate();
  // A reader that stops reading and is cut loose (4001) while its run floods it.
  const stalled = await connectPeer(h.srv.wsUrl, AUTH);
  (stalled.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  startRun(stalled, "flood", { forwardedProps: { count: 6000, size: 1024 } });
  await eventually(
    () => h.logs.some((l) => l.includes("slow consumer: closing")),
    "the stalled reader to be cut",
  );
  stalled.ws.terminate();
  // SSE runs, read to the end or abandoned after the first chunk.
  await Promise.all([
    ...Array.from({ length: 5 }, () => sseRun(false)),
    ...Array.from({ length: 5 }, () => sseRun(true)),
  ]);
  await eventually(() => h.sdk.registry.running().length === 0, "every run to end");
  await eventually(() => h.sdk.stats().connections === 0, "every session to close");
}

function assertNothingHeld(): void {
  expect(h.sdk.stats().connections).toBe(0);
  const parts = field<object>(h.sdk, "parts");
  expect(field<Map<string, number>>(field<object>(parts, "connections"), "perPrincipal").size).toBe(0);
  expect(field<Set<unknown>>(parts, "sessions").size).toBe(0);
  expect(h.sdk.http.streamCount).toBe(0);
  expect(field<Map<string, unknown>>(h.sdk.threads!, "tracked").size).toBe(0);
  for (const run of allRuns()) {
    expect(run.subscriberCount, `subscribers left on ${run.id}`).toBe(0);
    expect(getEventListeners(run.abort.signal, "abort"), `abort listeners left on ${run.id}`).toEqual([]);
  }
}

function allRuns() {
  return [...field<Map<string, import("@backchannel/server").Run>>(h.sdk.registry, "runs").values()];
}

it("leaves no sessions, subscribers, listeners, streams, runs, sockets or timers behind", async () => {
  await delay(50);
  const baseline = resources();
  const heaps: number[] = [];
  for (let round = 0; round < 3; round++) {
    await workload();
    assertNothingHeld();
    heaps.push(allRuns().length);
  }
  // Each round leaves the same number of finished runs (kept for resume until retention ends).
  expect(heaps[1]! - heaps[0]!).toBe(heaps[0]);
  expect(heaps[2]! - heaps[1]!).toBe(heaps[0]);
  expect(aborted).toBe(15);

  // Retention over: finished runs and their buffers go.
  const runs = allRuns();
  h.sdk.registry.sweep(Date.now() + 60_001);
  expect(h.sdk.registry.size).toBe(0);
  for (const run of runs) expect(run.buffer.size).toBe(0);

  // No socket or timer beyond the runtime's own (close handshakes need a moment to finish).
  await eventually(
    () => {
      const now = resources();
      return (
        (now.TCPSocketWrap ?? 0) <= (baseline.TCPSocketWrap ?? 0) &&
        (now.Timeout ?? 0) <= (baseline.Timeout ?? 0)
      );
    },
    `handles back to baseline ${JSON.stringify(baseline)}, now ${JSON.stringify(resources())}`,
  );
});
