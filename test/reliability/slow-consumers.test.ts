/**
 * Slow consumers: 200 readers that stop reading while their runs flood them, and healthy
 * readers streaming beside them. The server must hold each stalled socket to a bounded buffer
 * (a cursor into the run's buffer, not a queue), cut the ones that fall too far behind with
 * 4001, keep its heap bounded, and the healthy streams must never fall behind.
 *
 * Stalled readers connect over a Unix socket: its kernel buffers are a few hundred KiB and do
 * not grow, where loopback TCP would absorb several MiB per socket before the server felt any
 * backpressure at all. Healthy readers use loopback TCP.
 */
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Agent } from "@backchannel/server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { testAgents } from "../helpers/agents.js";
import { connectPeer, type Peer, startRun } from "../helpers/ws-peer.js";
import { AUTH, delay, eventually, type Harness, startHarness } from "./harness.js";

const STALLED = 200;
const HEALTHY = 20;
const HIGH_WATER = 64 * 1024;
const MAX_BEHIND = 256 * 1024;
const FLOOD = { count: 1200, size: 1024 };
const TOKENS = 200;

/** Text at a model's pace: one delta per millisecond or so. */
const paced: Agent = {
  name: "paced",
  description: "Streams numbered tokens, one per timer tick",
  async *run(input) {
    const messageId = `m-${input.runId}`;
    yield { type: "TEXT_MESSAGE_START", messageId, role: "assistant" };
    for (let i = 0; i < TOKENS; i++) {
      await new Promise((r) => setTimeout(r, 1));
      yield { type: "TEXT_MESSAGE_CONTENT", messageId, delta: `p${i} ` };
    }
    yield { type: "TEXT_MESSAGE_END", messageId };
  },
};

let h: Harness;
let unixServer: Server;
const sockPath = join(tmpdir(), `bc-slow-${process.pid}.sock`);

beforeAll(async () => {
  h = await startHarness([...(testAgents as never[]), paced], {
    limits: {
      outboundHighWaterBytes: HIGH_WATER,
      maxOutboundQueueBytes: MAX_BEHIND,
      maxConnectionsPerPrincipal: 1000,
      runsPerSecond: 10_000,
      runBurst: 10_000,
    },
    resume: { maxBytes: 128 * 1024 },
  });
  unixServer = createServer(h.sdk.nodeHandler());
  h.sdk.attach(unixServer);
  await new Promise<void>((resolve) => unixServer.listen(sockPath, resolve));
});
afterAll(async () => {
  await h.close();
  unixServer.close();
});

function heapUsed(): number {
  return process.memoryUsage().heapUsed;
}

it(`${STALLED} stalled readers cost bounded memory, are cut with 4001, and ${HEALTHY} healthy streams never fall behind`, async () => {
  const heapBefore = heapUsed();
  const stalled: Peer[] = [];
  for (let i = 0; i < STALLED; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, STALLED - i) }, () =>
        connectPeer(`ws+unix://${sockPath}:/copilotkit/ws`, AUTH),
      ),
    );
    stalled.push(...batch);
  }
  const healthy = await Promise.all(Array.from({ length: HEALTHY }, () => connectPeer(h.srv.wsUrl, AUTH)));

  // Sample the server's own view of every socket while the floods run.
  let maxBuffered = 0;
  let maxHeap = 0;
  const wss = (h.sdk as unknown as { parts: { wss: { clients: Set<{ bufferedAmount: number }> } } }).parts
    .wss;
  const sampler = setInterval(() => {
    for (const ws of wss.clients) maxBuffered = Math.max(maxBuffered, ws.bufferedAmount);
    maxHeap = Math.max(maxHeap, heapUsed());
  }, 5);

  for (const p of stalled) {
    (p.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    startRun(p, "flood", { forwardedProps: FLOOD });
  }
  const healthyRuns = healthy.map((p) => ({ p, runId: startRun(p, "paced") }));
  const results = await Promise.all(healthyRuns.map(({ p, runId }) => p.runEvents(runId, 30_000)));
  await eventually(() => h.sdk.registry.running().length === 0, "every flood run to end", 30_000);
  await delay(50);
  clearInterval(sampler);

  // Healthy streams: complete and exact, every seq covered once and in order. (A healthy reader
  // in this process, stalled with it by the floods' work, may briefly be behind its read receipts
  // and get two deltas merged into one `first..seq` frame; that is allowed, a gap is not.)
  const expectedText = Array.from({ length: TOKENS }, (_, i) => `p${i} `).join("");
  for (const events of results) {
    const covered = events.flatMap((f) =>
      Array.from({ length: f.seq - (f.first ?? f.seq) + 1 }, (_, i) => (f.first ?? f.seq) + i),
    );
    expect(covered).toEqual(Array.from({ length: TOKENS + 4 }, (_, i) => i + 1));
    // Merged frames stay rare: healthy readers are behind only while the whole process stalls.
    expect(events.filter((f) => f.first !== undefined).length).toBeLessThan(TOKENS / 4);
    const text = events.filter((f) => f.event.type === "TEXT_MESSAGE_CONTENT").map((f) => f.event.delta);
    expect(text.join("")).toBe(expectedText);
  }

  // Each stalled socket held at most the high-water mark plus one cork and one merged frame.
  expect(maxBuffered).toBeLessThanOrEqual(HIGH_WATER + 64 * 1024 + 66 * 1024);
  // The floods produced 200 × 1.2 MiB; bounded buffers keep the heap far below that (the live
  // heap also holds garbage not yet collected, hence the generous bound).
  const produced = STALLED * FLOOD.count * FLOOD.size;
  expect(maxHeap - heapBefore).toBeLessThan(produced / 2);
  // Readers that fell more than maxOutboundQueueBytes behind were cut loose (4001) or told
  // their backlog is gone (resume_unavailable); none was allowed to pile up.
  const cut = h.logs.filter((l) => l.includes("slow consumer: closing")).length;
  expect(cut).toBeGreaterThan(STALLED / 2);

  for (const p of stalled) p.ws.terminate();
  for (const p of healthy) p.close();
  await eventually(() => h.sdk.stats().connections === 0, "every session to close");
});
