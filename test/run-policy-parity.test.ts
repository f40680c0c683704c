/**
 * Run-policy parity: one table of run-level cases, each played against the WebSocket binding
 * (frames over a real socket) and the HTTP binding (real requests), on a fresh real server per
 * case and binding. Both must reach the same decision (ok, or the same protocol error code), and
 * HTTP must answer the status `HTTP_STATUS_BY_CODE` gives that code. A third binding adds one
 * adapter below, not a third copy of the cases.
 */
import { httpStatusOf } from "@backchannel/protocol";
import { CopilotKitSDK, type ListeningServer } from "@backchannel/server";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { hanger, streamer } from "./helpers/agents.js";
import { connectPeer, type Peer, runInput } from "./helpers/ws-peer.js";

const KEYS = {
  alice: "alice-key-000000000000",
  bob: "bob-key-00000000000000",
  eve: "eve-key-00000000000000",
};
type Who = keyof typeof KEYS;
const bearer = (who: Who) => ({ authorization: `Bearer ${KEYS[who]}` });

/** A decision: "ok", or the refusal's code (plus whether it said when to retry). */
interface Decision {
  code: string;
  retryAfter?: boolean;
}

/** The operations a binding exposes to the table. */
interface Binding {
  start(who: Who, agent: string, input: any): Promise<Decision>;
  resume(who: Who, runId: string, after: number): Promise<Decision>;
  cancel(who: Who, runId: string): Promise<Decision>;
}

interface Env {
  sdk: CopilotKitSDK;
  srv: ListeningServer;
  base: string;
  peer(who: Who): Promise<Peer>;
}

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function serve(extra: Record<string, unknown>): Promise<Env> {
  const sdk = new CopilotKitSDK({
    agents: [streamer, hanger] as never,
    auth: { apiKeys: KEYS },
    logger: pino({ level: "silent" }),
    shutdownDeadlineMs: 50,
    // bob may read and follow alice's threads (a shared workspace); eve may not.
    threadAccess: (p, _t, action) => p.id.endsWith("bob") && (action === "follow" || action === "read"),
    ...extra,
  });
  const srv = await sdk.listen({ port: 0 });
  cleanups.push(() => srv.close());
  const peers = new Map<Who, Peer>();
  return {
    sdk,
    srv,
    base: `${srv.httpUrl}/copilotkit`,
    async peer(who) {
      let p = peers.get(who);
      if (!p) {
        p = await connectPeer(srv.wsUrl, { headers: bearer(who) });
        peers.set(who, p);
        const opened = p;
        cleanups.push(() => opened.close());
      }
      return p;
    },
  };
}

let frameId = 0;

/** The WebSocket binding: `run`, `resume` and `cancel` frames, each on a socket of its own. */
function wsBinding(env: Env): Binding {
  const fresh = async (who: Who) => {
    const peer = await connectPeer(env.srv.wsUrl, { headers: bearer(who) });
    cleanups.push(() => peer.close());
    return peer;
  };
  /** The answer to frame `id` about `runId`: an `error` frame naming it, or the run's first event. */
  const answer = async (peer: Peer, id: string, runId: string, started?: () => Promise<boolean>) => {
    const errorFrame = peer.next((f) => f.type === "error" && f.id === id, 15_000);
    const event = started
      ? started().then(() => undefined)
      : peer.next((f) => f.type === "event" && f.runId === runId, 15_000).then(() => undefined);
    const f = await Promise.race([errorFrame, event]);
    errorFrame.catch(() => {});
    return f === undefined ? { code: "ok" } : decision(f.code, f.retryAfterMs);
  };
  return {
    async start(who, agent, input) {
      const peer = await fresh(who);
      const id = `f${++frameId}`;
      peer.send({ type: "run", id, agent, input });
      return answer(peer, id, input.runId);
    },
    async resume(who, runId, after) {
      const peer = await fresh(who);
      const id = `f${++frameId}`;
      peer.send({ type: "resume", id, runId, after });
      return answer(peer, id, runId);
    },
    async cancel(who, runId) {
      const peer = await fresh(who);
      const id = `f${++frameId}`;
      peer.send({ type: "cancel", id, runId });
      // A cancel has no acknowledgement: it succeeded when the run ends cancelled.
      return answer(peer, id, runId, () => cancelledOn(env, runId));
    },
  };
}

/** The HTTP binding: the AG-UI run route, resume and cancel. */
function httpBinding(env: Env): Binding {
  const read = async (res: Response): Promise<Decision> => {
    if (res.status === 200 || res.status === 204) {
      await res.body?.cancel();
      return { code: "ok" };
    }
    const body = await res.json();
    // The status is the table's, whatever route refused.
    expect(res.status, body.error.code).toBe(httpStatusOf(body.error.code) ?? 403);
    return decision(body.error.code, body.error.retryAfterMs);
  };
  const sse = (who: Who) => ({ ...bearer(who), accept: "text/event-stream" });
  return {
    async start(who, agent, input) {
      return read(
        await fetch(`${env.base}/agents/${agent}/run`, {
          method: "POST",
          headers: { ...sse(who), "content-type": "application/json" },
          body: JSON.stringify(input),
        }),
      );
    },
    async resume(who, runId, after) {
      return read(await fetch(`${env.base}/runs/${runId}/events?after=${after}`, { headers: sse(who) }));
    },
    async cancel(who, runId) {
      return read(await fetch(`${env.base}/runs/${runId}/cancel`, { method: "POST", headers: bearer(who) }));
    },
  };
}

function decision(code: string, retryAfterMs: unknown): Decision {
  return typeof retryAfterMs === "number" ? { code, retryAfter: true } : { code };
}

async function cancelledOn(env: Env, runId: string): Promise<boolean> {
  const run = env.sdk.registry.get(runId);
  if (!run) return new Promise(() => {});
  await run.done;
  return run.status === "cancelled";
}

/** Alice runs `agent` to its end (streamer) or until it started (hanger), over her socket. */
async function aliceRuns(env: Env, agent: "streamer" | "hanger", overrides: Record<string, unknown> = {}) {
  const input = runInput({ forwardedProps: { count: 2 }, ...overrides });
  const peer = await env.peer("alice");
  peer.send({ type: "run", id: `setup-${input.runId}`, agent, input });
  if (agent === "streamer") await peer.runEvents(input.runId);
  else
    await peer.next((f) => f.type === "event" && f.runId === input.runId && f.event.type === "STEP_STARTED");
  return input;
}

async function deleteThread(env: Env, threadId: string): Promise<void> {
  const res = await fetch(`${env.base}/threads/${threadId}`, { method: "DELETE", headers: bearer("alice") });
  expect(res.status).toBe(204);
}

interface Case {
  name: string;
  config?: Record<string, unknown>;
  act(env: Env, b: Binding): Promise<Decision>;
  expected: Decision;
}

const DOWN_DB = { databaseUrl: "postgres://postgres@127.0.0.1:1/nowhere" };
const DOWN_REDIS = { store: false, cluster: { redis: "redis://127.0.0.1:1", leaseMs: 2000 } };

const CASES: Case[] = [
  {
    name: "the owner starts a run",
    act: (_e, b) => b.start("alice", "streamer", runInput()),
    expected: { code: "ok" },
  },
  {
    name: "an unknown agent",
    act: (_e, b) => b.start("alice", "nope", runInput()),
    expected: { code: "unknown_agent" },
  },
  {
    name: "a stranger starts a run on the owner's thread",
    act: async (e, b) => {
      const { threadId } = await aliceRuns(e, "streamer");
      return b.start("eve", "streamer", runInput({ threadId }));
    },
    expected: { code: "forbidden" },
  },
  {
    name: "a follower starts a run on the owner's thread (follow is not run)",
    act: async (e, b) => {
      const { threadId } = await aliceRuns(e, "streamer");
      return b.start("bob", "streamer", runInput({ threadId }));
    },
    expected: { code: "forbidden" },
  },
  {
    name: "the owner retries a known runId (served as a resume)",
    act: async (e, b) => b.start("alice", "streamer", await aliceRuns(e, "streamer")),
    expected: { code: "ok" },
  },
  {
    name: "a stranger reuses a known runId",
    act: async (e, b) => b.start("eve", "streamer", await aliceRuns(e, "streamer")),
    expected: { code: "run_conflict" },
  },
  {
    name: "the owner resumes",
    act: async (e, b) => b.resume("alice", (await aliceRuns(e, "streamer")).runId, 0),
    expected: { code: "ok" },
  },
  {
    name: "a follower of the thread resumes",
    act: async (e, b) => b.resume("bob", (await aliceRuns(e, "streamer")).runId, 0),
    expected: { code: "ok" },
  },
  {
    name: "a stranger resumes",
    act: async (e, b) => b.resume("eve", (await aliceRuns(e, "streamer")).runId, 0),
    expected: { code: "forbidden" },
  },
  {
    name: "an unknown run is resumed",
    act: (_e, b) => b.resume("alice", "no-such-run", 0),
    expected: { code: "resume_unavailable" },
  },
  {
    name: "the owner resumes a run of a deleted thread",
    act: async (e, b) => {
      const input = await aliceRuns(e, "streamer");
      await deleteThread(e, input.threadId);
      return b.resume("alice", input.runId, 0);
    },
    expected: { code: "resume_unavailable" },
  },
  {
    name: "a follower resumes a run of a deleted thread",
    act: async (e, b) => {
      const input = await aliceRuns(e, "streamer");
      await deleteThread(e, input.threadId);
      return b.resume("bob", input.runId, 0);
    },
    expected: { code: "resume_unavailable" },
  },
  {
    name: "the owner cancels a running run",
    act: async (e, b) => b.cancel("alice", (await aliceRuns(e, "hanger")).runId),
    expected: { code: "ok" },
  },
  {
    name: "a follower cancels (cancel is the owner's alone)",
    act: async (e, b) => b.cancel("bob", (await aliceRuns(e, "hanger")).runId),
    expected: { code: "forbidden" },
  },
  {
    name: "a stranger cancels",
    act: async (e, b) => b.cancel("eve", (await aliceRuns(e, "hanger")).runId),
    expected: { code: "forbidden" },
  },
  {
    name: "an unknown run is cancelled",
    act: (_e, b) => b.cancel("alice", "no-such-run"),
    expected: { code: "unknown_run" },
  },
  {
    name: "runs started past the rate limit",
    config: { limits: { runsPerSecond: 0.001, runBurst: 1 } },
    act: async (_e, b) => {
      // One run a second, and a burst of one: of a few quick starts, one is refused.
      expect(await b.start("alice", "streamer", runInput())).toEqual({ code: "ok" });
      for (let i = 0; i < 5; i++) {
        const d = await b.start("alice", "streamer", runInput());
        if (d.code !== "ok") return d;
      }
      return { code: "never refused" };
    },
    expected: { code: "rate_limited", retryAfter: true },
  },
  {
    name: "a start while the thread store is down",
    config: DOWN_DB,
    act: (_e, b) => b.start("alice", "streamer", runInput()),
    expected: { code: "unavailable", retryAfter: true },
  },
  {
    name: "a start on a cluster node that cannot reach Redis",
    config: DOWN_REDIS,
    act: (_e, b) => b.start("alice", "streamer", runInput()),
    expected: { code: "unavailable", retryAfter: true },
  },
  {
    name: "a resume on a cluster node that cannot reach Redis",
    config: DOWN_REDIS,
    act: (_e, b) => b.resume("alice", "on-another-node", 0),
    expected: { code: "unavailable", retryAfter: true },
  },
  {
    name: "a cancel on a cluster node that cannot reach Redis",
    config: DOWN_REDIS,
    act: (_e, b) => b.cancel("alice", "on-another-node"),
    expected: { code: "unavailable", retryAfter: true },
  },
];

describe("run policy: the WebSocket and HTTP bindings decide alike", () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const decisions: Record<string, Decision> = {};
      for (const [name, make] of [
        ["websocket", wsBinding],
        ["http", httpBinding],
      ] as const) {
        const env = await serve(c.config ?? {});
        decisions[name] = await c.act(env, make(env));
      }
      expect(decisions).toEqual({ websocket: c.expected, http: c.expected });
    });
  }
});
