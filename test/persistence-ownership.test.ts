/**
 * A thread belongs to the principal that created it: another principal can neither read,
 * list, resume, run on, follow, nor delete it, over the WebSocket or HTTP. Runs against
 * both stores (SQLite file, Postgres schema) through a real server and real sockets.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CopilotKitSDK, type ThreadStore } from "@backchannel/server";
import { createPostgresStore } from "@backchannel/server/postgres";
import { createSqliteStore } from "@backchannel/server/sqlite";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import {
  dropSchema,
  postgresAvailable,
  TEST_DATABASE_URL,
  uniqueSchema,
} from "../packages/server/test/services.js";
import { hanger, streamer, thrower } from "./helpers/agents.js";
import { connectPeer, runInput } from "./helpers/ws-peer.js";

const KEYS = { alice: "alice-key-0000000000", bob: "bob-key-00000000000000" };
const as = (who: keyof typeof KEYS) => ({ authorization: `Bearer ${KEYS[who]}` });
const pgUp = await postgresAvailable();
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function serve(store: ThreadStore, extra: Record<string, unknown> = {}) {
  const sdk = new CopilotKitSDK({
    agents: [streamer, thrower, hanger] as never,
    auth: { apiKeys: KEYS },
    logger: pino({ level: "silent" }),
    store,
    ...extra,
  });
  const srv = await sdk.listen({ port: 0 });
  cleanups.push(() => srv.close());
  return {
    sdk,
    srv,
    api: (path: string, who: keyof typeof KEYS, init: RequestInit = {}) =>
      fetch(`${srv.httpUrl}/copilotkit${path}`, {
        ...init,
        headers: { ...as(who), ...(init.headers ?? {}) },
      }),
  };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000) {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

function suite(name: string, makeStore: () => Promise<ThreadStore>) {
  describe(name, () => {
    it("another user cannot read, list, run on, resume, cancel or delete a thread", async () => {
      const store = await makeStore();
      const { srv, api } = await serve(store);
      const alice = await connectPeer(srv.wsUrl, { headers: as("alice") });
      const input = runInput({ threadId: `secret-${Date.now()}`, forwardedProps: { count: 3 } });
      alice.send({ type: "run", id: "a1", agent: "streamer", input });
      await alice.runEvents(input.runId);
      await waitFor(async () => (await api(`/threads/${input.threadId}`, "alice")).status === 200);

      // HTTP: read, delete refused; list shows nothing of alice's.
      const read = await api(`/threads/${input.threadId}`, "bob");
      expect(read.status).toBe(403);
      expect(await read.json()).toEqual({
        error: { code: "forbidden", message: "This thread belongs to another user" },
      });
      expect((await api(`/threads/${input.threadId}`, "bob", { method: "DELETE" })).status).toBe(403);
      expect(await (await api("/threads", "bob")).json()).toEqual({ threads: [] });
      expect((await (await api("/threads", "alice")).json()).threads.map((t: any) => t.threadId)).toContain(
        input.threadId,
      );

      // WebSocket: a run on alice's thread is refused before anything starts.
      const bob = await connectPeer(srv.wsUrl, { headers: as("bob") });
      const hijack = runInput({ threadId: input.threadId });
      bob.send({ type: "run", id: "b1", agent: "streamer", input: hijack });
      const refused = await bob.next((f) => f.type === "error" && f.id === "b1");
      expect(refused).toMatchObject({ code: "forbidden", runId: hijack.runId });
      expect(refused.message).toMatch(/start a new thread/);
      expect(bob.frames.some((f) => f.type === "event")).toBe(false);
      // ...nor resume or cancel alice's run.
      bob.send({ type: "resume", runId: input.runId, after: 0, id: "b2" });
      expect(await bob.next((f) => f.id === "b2")).toMatchObject({ type: "error", code: "forbidden" });
      bob.send({ type: "cancel", runId: input.runId, id: "b3" });
      expect(await bob.next((f) => f.id === "b3")).toMatchObject({ type: "error", code: "forbidden" });

      // Alice still has her whole conversation and nothing of bob's attempt.
      const mine = await (await api(`/threads/${input.threadId}`, "alice")).json();
      expect(mine.runs).toHaveLength(1);
      expect(mine.messages).toHaveLength(2);
      // Unauthenticated callers get 401, unknown threads 404.
      expect((await fetch(`${srv.httpUrl}/copilotkit/threads`)).status).toBe(401);
      expect((await api("/threads/does-not-exist", "alice")).status).toBe(404);
      alice.close();
      bob.close();
      await store.close();
    });

    it("keeps the partial answer of a cancelled run and of a failed one", async () => {
      const store = await makeStore();
      const { srv, api } = await serve(store);
      const peer = await connectPeer(srv.wsUrl, { headers: as("alice") });
      const slow = runInput({
        threadId: `cancel-${Date.now()}`,
        forwardedProps: { count: 1000, delayMs: 5 },
      });
      peer.send({ type: "run", id: "s", agent: "streamer", input: slow });
      await peer.next(
        (f) => f.runId === slow.runId && f.event?.type === "TEXT_MESSAGE_CONTENT" && f.event.delta === "t3 ",
      );
      peer.send({ type: "cancel", runId: slow.runId });
      const events = await peer.runEvents(slow.runId);
      const sent = events
        .filter((f) => f.event.type === "TEXT_MESSAGE_CONTENT")
        .map((f) => f.event.delta)
        .join("");
      await waitFor(
        async () =>
          (await (await api(`/threads/${slow.threadId}`, "alice")).json()).lastRunStatus === "cancelled",
      );
      const cancelled = await (await api(`/threads/${slow.threadId}`, "alice")).json();
      expect(cancelled.messages.at(-1)).toEqual({
        id: `msg-${slow.runId}`,
        role: "assistant",
        content: sent,
      });
      expect(cancelled.runs[0]).toMatchObject({ status: "cancelled", eventCount: events.length });

      const failing = runInput({ threadId: `fail-${Date.now()}` });
      peer.send({ type: "run", id: "f", agent: "thrower", input: failing });
      await peer.runEvents(failing.runId);
      await waitFor(
        async () =>
          (await api(`/threads/${failing.threadId}`, "alice")).status === 200 &&
          (await (await api(`/threads/${failing.threadId}`, "alice")).json()).lastRunStatus === "error",
      );
      const failed = await (await api(`/threads/${failing.threadId}`, "alice")).json();
      expect(failed.messages.at(-1)).toMatchObject({ role: "assistant", content: "partial" });
      expect(failed.runs[0]).toMatchObject({
        status: "error",
        errorMessage: expect.stringMatching(/^The agent failed \(error id [0-9a-f-]{36}\)/),
      });
      peer.close();
      await store.close();
    });

    it("DELETE cancels the thread's live run and removes it for good", async () => {
      const store = await makeStore();
      const { srv, api } = await serve(store);
      const peer = await connectPeer(srv.wsUrl, { headers: as("alice") });
      const input = runInput({ threadId: `del-${Date.now()}` });
      peer.send({ type: "run", id: "h", agent: "hanger", input });
      await peer.next((f) => f.runId === input.runId && f.event?.type === "STEP_STARTED");
      const live = await (await api(`/threads/${input.threadId}`, "alice")).json();
      expect(live.activeRuns).toEqual([{ runId: input.runId, agent: "hanger", lastSeq: 2 }]);
      expect((await api(`/threads/${input.threadId}`, "alice", { method: "DELETE" })).status).toBe(204);
      const events = await peer.runEvents(input.runId);
      expect(events.at(-1).event).toMatchObject({ type: "RUN_FINISHED", outcome: { type: "cancelled" } });
      await new Promise((r) => setTimeout(r, 100));
      expect((await api(`/threads/${input.threadId}`, "alice")).status).toBe(404);
      expect((await api(`/threads/${input.threadId}`, "alice", { method: "DELETE" })).status).toBe(404);
      peer.close();
      await store.close();
    });

    it("a deleted thread's runs are not resumable by the next owner of its id (WebSocket and SSE alike)", async () => {
      const store = await makeStore();
      const { srv, api } = await serve(store);
      const threadId = `reclaimed-${Date.now()}`;
      const alice = await connectPeer(srv.wsUrl, { headers: as("alice") });
      const bob = await connectPeer(srv.wsUrl, { headers: as("bob") });
      /** Alice runs on the thread; then it is deleted (`how`) and bob claims the id with a run of his own. */
      const aliceRunThenBobClaims = async (how: () => Promise<unknown>) => {
        const input = runInput({ threadId, forwardedProps: { count: 3 } });
        alice.send({ type: "run", id: "a", agent: "streamer", input });
        await alice.runEvents(input.runId);
        await waitFor(async () => (await api(`/threads/${threadId}`, "alice")).status === 200);
        await how();
        const mine = runInput({ threadId, forwardedProps: { count: 1 } });
        bob.send({ type: "run", id: `b-${mine.runId}`, agent: "streamer", input: mine });
        await bob.runEvents(mine.runId);
        await waitFor(async () => (await api(`/threads/${threadId}`, "bob")).status === 200);
        return input.runId as string;
      };
      const bobCannotResume = async (runId: string) => {
        bob.send({ type: "resume", id: `res-${runId}`, runId, after: 0 });
        const answer = await bob.next(
          (f) => f.id === `res-${runId}` || (f.type === "event" && f.runId === runId),
        );
        expect(answer.type).toBe("error");
        expect(["forbidden", "resume_unavailable"]).toContain(answer.code);
        const sse = await api(`/runs/${runId}/events`, "bob", { headers: { accept: "text/event-stream" } });
        expect([403, 410]).toContain(sse.status);
        await sse.body?.cancel();
      };

      // Deleted through the API: the thread's finished runs are dropped with it.
      const first = await aliceRunThenBobClaims(() =>
        api(`/threads/${threadId}`, "alice", { method: "DELETE" }),
      );
      await bobCannotResume(first);
      // Deleted where this node's registry does not hear of it (another node, the store itself):
      // the run is still held, and the resume rule refuses it because alice may not run on bob's thread.
      await api(`/threads/${threadId}`, "bob", { method: "DELETE" });
      const second = await aliceRunThenBobClaims(() => store.deleteThread(threadId));
      await bobCannotResume(second);
      // Alice still may resume her own run (her own data).
      alice.send({ type: "resume", id: "mine", runId: second, after: 0 });
      const own = await alice.next((f) => f.type === "event" && f.runId === second && f.seq === 1);
      expect(own.event.type).toBe("RUN_STARTED");
      alice.close();
      bob.close();
      await store.close();
    });

    it("ids with NUL or control characters are bad_request (never a 503 outage); unpaired surrogates in text are stored as U+FFFD", async () => {
      const store = await makeStore();
      const { srv, api } = await serve(store);
      const peer = await connectPeer(srv.wsUrl, { headers: as("alice") });
      const nul = runInput({ threadId: "bad\u0000thread" });
      peer.send({ type: "run", id: "nul", agent: "streamer", input: nul });
      const refused = await peer.next((f) => f.id === "nul");
      expect(refused).toMatchObject({ type: "error", code: "bad_request" });
      expect(refused.message).toContain("input.threadId");
      const ctl = runInput({ messages: [{ id: "m\u0001", role: "user", content: "x" }] });
      peer.send({ type: "run", id: "ctl", agent: "streamer", input: ctl });
      expect(await peer.next((f) => f.id === "ctl")).toMatchObject({ type: "error", code: "bad_request" });
      peer.send({ type: "join", id: "j", threadId: "j\u0000" });
      expect(await peer.next((f) => f.id === "j")).toMatchObject({ type: "error", code: "bad_request" });
      const read = await api("/threads/bad%00thread", "alice");
      expect(read.status).toBe(400);
      expect((await read.json()).error.code).toBe("bad_request");
      const post = await api("/agents/streamer/run", "alice", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify(runInput({ threadId: "post\u0000" })),
      });
      expect(post.status).toBe(400);
      expect(post.status).not.toBe(503);

      // A lone surrogate in the user's text (and so in the title): the conversation is saved.
      const threadId = `surrogate-${Date.now()}`;
      const odd = runInput({
        threadId,
        messages: [{ id: "u-odd", role: "user", content: "half \ud83d of an emoji, and \u0000" }],
        forwardedProps: { count: 1 },
      });
      peer.send({ type: "run", id: "odd", agent: "streamer", input: odd });
      await peer.runEvents(odd.runId);
      await waitFor(async () => (await api(`/threads/${threadId}`, "alice")).status === 200);
      const saved = await (await api(`/threads/${threadId}`, "alice")).json();
      expect(saved.messages[0].content).toBe("half \ufffd of an emoji, and \ufffd");
      expect(saved.title).toBe("half \ufffd of an emoji, and");
      peer.close();
      await store.close();
    });

    it("lists threads newest first, a page at a time, and validates paging", async () => {
      const store = await makeStore();
      const { srv, api } = await serve(store);
      const peer = await connectPeer(srv.wsUrl, { headers: as("alice") });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const input = runInput({ threadId: `page-${Date.now()}-${i}`, forwardedProps: { count: 1 } });
        ids.push(input.threadId);
        peer.send({ type: "run", id: `p${i}`, agent: "streamer", input });
        await peer.runEvents(input.runId);
        await new Promise((r) => setTimeout(r, 5));
      }
      await waitFor(
        async () =>
          (await (await api("/threads?limit=100", "alice")).json()).threads.filter(
            (t: any) => t.lastRunStatus,
          ).length >= 5,
      );
      const seen: string[] = [];
      let url = "/threads?limit=2";
      for (;;) {
        const page = await (await api(url, "alice")).json();
        seen.push(...page.threads.map((t: any) => t.threadId));
        if (!page.nextCursor) break;
        url = `/threads?limit=2&cursor=${page.nextCursor}`;
      }
      expect(seen.filter((id) => ids.includes(id))).toEqual([...ids].reverse());
      expect((await api("/threads?limit=0", "alice")).status).toBe(400);
      expect((await api("/threads?cursor=garbage!", "alice")).status).toBe(400);
      peer.close();
      await store.close();
    });

    it("the retention sweeper deletes threads idle past threadMaxIdleMs", async () => {
      const store = await makeStore();
      const { srv, api } = await serve(store, { retention: { threadMaxIdleMs: 300, sweepIntervalMs: 100 } });
      const peer = await connectPeer(srv.wsUrl, { headers: as("alice") });
      const input = runInput({ threadId: `idle-${Date.now()}`, forwardedProps: { count: 1 } });
      peer.send({ type: "run", id: "i", agent: "streamer", input });
      await peer.runEvents(input.runId);
      await waitFor(async () => (await api(`/threads/${input.threadId}`, "alice")).status === 200);
      await waitFor(async () => (await api(`/threads/${input.threadId}`, "alice")).status === 404, 5000);
      peer.close();
      await store.close();
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), "bc-own-"));
let n = 0;
suite("sqlite", () => createSqliteStore({ path: join(dir, `own-${++n}.db`) }));
describe.skipIf(!pgUp)("postgres", () => {
  suite("postgres", async () => {
    const schema = uniqueSchema("bc_own");
    cleanups.push(() => dropSchema(schema));
    return createPostgresStore({ connectionString: TEST_DATABASE_URL, schema });
  });
});

describe("without a reachable database", () => {
  it("refuses runs with `unavailable`, answers 503 on /threads, and /health names the database", async () => {
    const sdk = new CopilotKitSDK({
      agents: [streamer] as never,
      auth: { apiKeys: KEYS },
      logger: pino({ level: "silent" }),
      databaseUrl: "postgres://postgres@127.0.0.1:1/nowhere",
    });
    const srv = await sdk.listen({ port: 0 });
    cleanups.push(() => srv.close());
    const peer = await connectPeer(srv.wsUrl, { headers: as("alice") });
    const input = runInput();
    peer.send({ type: "run", id: "x", agent: "streamer", input });
    const err = await peer.next((f) => f.id === "x");
    expect(err).toMatchObject({ type: "error", code: "unavailable" });
    expect(err.message).toMatch(/retry shortly/);
    const list = await fetch(`${srv.httpUrl}/copilotkit/threads`, { headers: as("alice") });
    expect(list.status).toBe(503);
    // Regression: the HTTP run route answered 403 here while /threads answered 503.
    const post = await fetch(`${srv.httpUrl}/copilotkit/agents/streamer/run`, {
      method: "POST",
      headers: { ...as("alice"), "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify(runInput()),
    });
    expect(post.status).toBe(503);
    expect(post.headers.get("retry-after")).toBe("2");
    expect((await post.json()).error).toMatchObject({ code: "unavailable", retryAfterMs: 2000 });
    // Which dependency failed is for callers with credentials (security finding 14).
    const health = await fetch(`${srv.httpUrl}/copilotkit/health`, { headers: as("alice") });
    expect(health.status).toBe(503);
    expect((await health.json()).failing).toEqual([{ name: "database" }]);
    peer.close();
  });
});
