/**
 * The response cache's behaviour, run against each place entries can live (SQLite, Postgres,
 * Redis with two nodes): real sockets, real stores, two real users.
 */
import { randomUUID } from "node:crypto";
import { CACHE_HIT_EVENT } from "@backchannel/protocol";
import type { CopilotKitSDK, ListeningServer } from "@backchannel/server";
import { SignJWT } from "jose";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connectPeer, type Peer } from "./ws-peer.js";

export const CACHE_SECRET = "response-cache-test-secret-of-32-chars!!";

/** How many times each cache-test agent really ran (a hit does not run it). */
export const calls = new Map<string, number>();
const count = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1);
const text = (input: any) => String(input.messages.at(-1)?.content ?? "");

/** The agents of the contract; `ttlMs` is generous: no entry expires during a test unless it means to. */
export function cacheAgents(): any[] {
  return [
    {
      name: "answers",
      description: "Answers from 'data'; cached per user",
      cache: { ttlMs: 60_000 },
      async *run(input: any) {
        count("answers");
        const id = `a-${input.runId}`;
        yield { type: "TEXT_MESSAGE_START", messageId: id, role: "assistant" };
        for (const word of `Answer to ${text(input)}`.split(" "))
          yield { type: "TEXT_MESSAGE_CONTENT", messageId: id, delta: `${word} ` };
        yield { type: "TEXT_MESSAGE_END", messageId: id };
      },
    },
    {
      name: "shared",
      description: "Answers that hold no user data; cached for everyone",
      cache: { ttlMs: 60_000, scope: "global" },
      async *run(input: any) {
        count("shared");
        const id = `s-${input.runId}`;
        yield { type: "TEXT_MESSAGE_START", messageId: id, role: "assistant" };
        yield { type: "TEXT_MESSAGE_CONTENT", messageId: id, delta: `Public: ${text(input)}` };
        yield { type: "TEXT_MESSAGE_END", messageId: id };
      },
    },
    {
      name: "short",
      description: "Cached for 300 ms",
      cache: { ttlMs: 300 },
      async *run(input: any) {
        count("short");
        yield { type: "TEXT_MESSAGE_START", messageId: `sh-${input.runId}`, role: "assistant" };
        yield { type: "TEXT_MESSAGE_END", messageId: `sh-${input.runId}` };
      },
    },
    {
      name: "keyed",
      description: "Custom key: only the first word counts",
      cache: { ttlMs: 60_000, key: (input: any) => text(input).split(" ")[0] },
      async *run(input: any) {
        count("keyed");
        yield { type: "TEXT_MESSAGE_START", messageId: `k-${input.runId}`, role: "assistant" };
        yield { type: "TEXT_MESSAGE_CONTENT", messageId: `k-${input.runId}`, delta: text(input) };
        yield { type: "TEXT_MESSAGE_END", messageId: `k-${input.runId}` };
      },
    },
    {
      name: "failing",
      description: "Errors after a token",
      cache: { ttlMs: 60_000 },
      async *run(input: any) {
        count("failing");
        yield { type: "TEXT_MESSAGE_START", messageId: `f-${input.runId}`, role: "assistant" };
        yield { type: "TEXT_MESSAGE_CONTENT", messageId: `f-${input.runId}`, delta: "partial" };
        throw new Error("model unavailable");
      },
    },
    {
      name: "browser-tool",
      description: "Calls the page's tool",
      cache: { ttlMs: 60_000 },
      async *run(input: any) {
        count("browser-tool");
        const toolCallId = `tc-${input.runId}`;
        yield { type: "TOOL_CALL_START", toolCallId, toolCallName: "highlightRows" };
        yield { type: "TOOL_CALL_ARGS", toolCallId, delta: "{}" };
        yield { type: "TOOL_CALL_END", toolCallId };
        yield { type: "RUN_FINISHED", outcome: { type: "success", pendingToolCallIds: [toolCallId] } };
      },
    },
    {
      name: "asks-human",
      description: "Pauses for approval",
      cache: { ttlMs: 60_000 },
      async *run(input: any) {
        count("asks-human");
        yield {
          type: "RUN_FINISHED",
          threadId: input.threadId,
          runId: input.runId,
          outcome: { type: "interrupt", interrupts: [{ id: "approve-1", reason: "approval" }] },
        };
      },
    },
    {
      name: "slow",
      description: "Streams until cancelled",
      cache: { ttlMs: 60_000 },
      async *run(input: any, ctx: any) {
        count("slow");
        yield { type: "TEXT_MESSAGE_START", messageId: `sl-${input.runId}`, role: "assistant" };
        await new Promise((_r, reject) =>
          ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)),
        );
      },
    },
  ];
}

export async function userToken(sub: string): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(sub)
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(CACHE_SECRET));
}

interface Node {
  sdk: CopilotKitSDK;
  srv: ListeningServer;
}

/**
 * Registers the contract's tests. `start` returns the nodes (one, or two sharing Redis);
 * runs start on the first and, with two, hits are asked of the second.
 */
export function responseCacheContract(start: () => Promise<Node[]>, stop: () => Promise<void>): void {
  let nodes: Node[] = [];
  let alice: Peer;
  let aliceOther: Peer;
  let bob: Peer;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    nodes = await start();
    tokens.alice = await userToken("alice");
    tokens.bob = await userToken("bob");
    const second = nodes[1] ?? nodes[0]!;
    alice = await connectPeer(nodes[0]!.srv.wsUrl, { headers: { authorization: `Bearer ${tokens.alice}` } });
    aliceOther = await connectPeer(second.srv.wsUrl, {
      headers: { authorization: `Bearer ${tokens.alice}` },
    });
    bob = await connectPeer(second.srv.wsUrl, { headers: { authorization: `Bearer ${tokens.bob}` } });
  });
  afterAll(async () => {
    for (const p of [alice, aliceOther, bob]) p?.close();
    await stop();
  });

  /** Runs `agent` with `question` on `peer`; resolves to its event frames. */
  async function ask(
    peer: Peer,
    agent: string,
    question: string,
    extra: Record<string, unknown> = {},
  ): Promise<{ runId: string; threadId: string; frames: any[] }> {
    const threadId = (extra.threadId as string) ?? `t-${randomUUID()}`;
    const runId = `r-${randomUUID()}`;
    const input = {
      threadId,
      runId,
      messages: [{ id: `u-${randomUUID()}`, role: "user", content: question }],
      tools: [],
      context: [],
      state: {},
      forwardedProps: {},
      ...extra,
    };
    peer.send({ type: "run", id: `req-${runId}`, agent, input });
    return { runId, threadId, frames: await peer.runEvents(runId) };
  }

  const hitOf = (frames: any[]) =>
    frames.find((f) => f.event.type === "CUSTOM" && f.event.name === CACHE_HIT_EVENT)?.event.value;
  const answer = (frames: any[]) =>
    frames
      .filter((f) => f.event.type === "TEXT_MESSAGE_CONTENT")
      .map((f) => f.event.delta)
      .join("");
  /** Waits until a miss's entry is written (writes do not hold up RUN_FINISHED). */
  const settle = () => Promise.all(nodes.map((n) => n.sdk.responseCache.flush()));

  /** backchannel_response_cache_{hits,misses}_total summed over the nodes, as Prometheus sees them. */
  async function cacheCounts(): Promise<{ hits: number; misses: number }> {
    let hits = 0;
    let misses = 0;
    for (const n of nodes) {
      const { body } = await n.sdk.metrics.exposition();
      hits += Number(/^backchannel_response_cache_hits_total (\S+)$/m.exec(body)?.[1] ?? Number.NaN);
      misses += Number(/^backchannel_response_cache_misses_total (\S+)$/m.exec(body)?.[1] ?? Number.NaN);
    }
    return { hits, misses };
  }

  it("a repeated question is a real run served from cache: own runId and seq, RUN_STARTED, a cache_hit marker, fresh message ids, RUN_FINISHED", async () => {
    const before = calls.get("answers") ?? 0;
    const counted = await cacheCounts();
    const miss = await ask(alice, "answers", "Top 10 holdings");
    expect(hitOf(miss.frames)).toBeUndefined();
    await settle();
    const hit = await ask(aliceOther, "answers", "  top 10   HOLDINGS ");
    expect(calls.get("answers")).toBe(before + 1);
    expect(hit.frames.map((f) => f.seq)).toEqual(hit.frames.map((_f, i) => i + 1));
    expect(hit.frames[0].event).toMatchObject({
      type: "RUN_STARTED",
      runId: hit.runId,
      threadId: hit.threadId,
    });
    const marker = hitOf(hit.frames);
    expect(hit.frames[1].event.name).toBe(CACHE_HIT_EVENT);
    expect(marker).toMatchObject({ scope: "principal", messageIds: [expect.any(String)] });
    expect(marker.cachedAt).toBeLessThanOrEqual(Date.now());
    expect(hit.frames.at(-1).event).toMatchObject({
      type: "RUN_FINISHED",
      runId: hit.runId,
      threadId: hit.threadId,
    });
    expect(answer(hit.frames)).toBe(answer(miss.frames));
    const missIds = miss.frames.flatMap((f) => f.event.messageId ?? []);
    const hitIds = hit.frames.flatMap((f) => f.event.messageId ?? []);
    expect(new Set(hitIds)).toEqual(new Set(marker.messageIds));
    expect(hitIds.some((id: string) => missIds.includes(id))).toBe(false);
    expect(await cacheCounts()).toEqual({ hits: counted.hits + 1, misses: counted.misses + 1 });
  });

  it("is persisted to history like any run", async () => {
    const miss = await ask(alice, "answers", "NAV today");
    await settle();
    const hit = await ask(alice, "answers", "NAV today", { threadId: miss.threadId });
    expect(hitOf(hit.frames)).toBeDefined();
    await Promise.all(nodes.map((n) => n.sdk.threads?.flush()));
    const res = await fetch(`${nodes[0]!.srv.httpUrl}/copilotkit/threads/${miss.threadId}`, {
      headers: { authorization: `Bearer ${tokens.alice}` },
    });
    expect(res.status).toBe(200);
    const thread = (await res.json()) as { messages: any[]; runs: any[] };
    const served = thread.messages.find((m) => m.id === hitOf(hit.frames).messageIds[0]);
    expect(served).toMatchObject({ role: "assistant", content: answer(miss.frames) });
    expect(thread.runs.find((r) => r.runId === hit.runId)).toMatchObject({ status: "finished" });
  });

  it("scope principal: another user asking the same question is never served the first user's answer", async () => {
    const before = calls.get("answers") ?? 0;
    await ask(alice, "answers", "my positions");
    await settle();
    const bobs = await ask(bob, "answers", "my positions");
    expect(hitOf(bobs.frames)).toBeUndefined();
    expect(calls.get("answers")).toBe(before + 2);
  });

  it("scope global: every user is served the shared answer", async () => {
    const before = calls.get("shared") ?? 0;
    await ask(alice, "shared", "market hours");
    await settle();
    const bobs = await ask(bob, "shared", "market hours");
    expect(hitOf(bobs.frames)).toMatchObject({ scope: "global" });
    expect(answer(bobs.frames)).toBe("Public: market hours");
    expect(calls.get("shared")).toBe(before + 1);
  });

  it("the key holds the context, the tools offered and the state sent; key() replaces it", async () => {
    const before = calls.get("answers") ?? 0;
    await ask(alice, "answers", "exposure", { context: [{ description: "page", value: "NAV" }] });
    await settle();
    await ask(alice, "answers", "exposure", { context: [{ description: "page", value: "Holdings" }] });
    await ask(alice, "answers", "exposure", { tools: [{ name: "t", description: "d", parameters: {} }] });
    await ask(alice, "answers", "exposure", { state: { filter: "EUR" } });
    expect(calls.get("answers")).toBe(before + 4);
    const k = calls.get("keyed") ?? 0;
    await ask(alice, "keyed", "alpha one");
    await settle();
    const second = await ask(alice, "keyed", "alpha two");
    expect(hitOf(second.frames)).toBeDefined();
    expect(answer(second.frames)).toBe("alpha one");
    expect(calls.get("keyed")).toBe(k + 1);
  });

  it("never caches a run that errored, called a browser tool, paused for a human or was cancelled", async () => {
    const tools = [{ name: "highlightRows", description: "Highlights rows", parameters: {} }];
    for (const [agent, extra] of [
      ["failing", {}],
      ["browser-tool", { tools }],
      ["asks-human", {}],
    ] as const) {
      const before = calls.get(agent) ?? 0;
      await ask(alice, agent, "same question", extra);
      await settle();
      const again = await ask(alice, agent, "same question", extra);
      expect(hitOf(again.frames), agent).toBeUndefined();
      expect(calls.get(agent), agent).toBe(before + 2);
    }
    const before = calls.get("slow") ?? 0;
    for (let i = 0; i < 2; i++) {
      const runId = `r-${randomUUID()}`;
      alice.send({
        type: "run",
        id: `req-${runId}`,
        agent: "slow",
        input: { threadId: `t-${randomUUID()}`, runId, messages: [{ id: "u", role: "user", content: "q" }] },
      });
      await alice.next(
        (f) => f.type === "event" && f.runId === runId && f.event.type === "TEXT_MESSAGE_START",
      );
      alice.send({ type: "cancel", runId });
      await alice.runEvents(runId);
      await settle();
    }
    expect(calls.get("slow")).toBe(before + 2);
  });

  it("the TTL is enforced by the store", async () => {
    const before = calls.get("short") ?? 0;
    await ask(alice, "short", "ping");
    await settle();
    await new Promise((r) => setTimeout(r, 400));
    const again = await ask(alice, "short", "ping");
    expect(hitOf(again.frames)).toBeUndefined();
    expect(calls.get("short")).toBe(before + 2);
  });

  it("DELETE of a thread purges the answers it produced", async () => {
    const miss = await ask(alice, "answers", "purge me");
    await settle();
    await Promise.all(nodes.map((n) => n.sdk.threads?.flush()));
    const del = await fetch(`${nodes.at(-1)!.srv.httpUrl}/copilotkit/threads/${miss.threadId}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${tokens.alice}` },
    });
    expect(del.status).toBe(204);
    const again = await ask(alice, "answers", "purge me");
    expect(hitOf(again.frames)).toBeUndefined();
  });

  it("the admin call purges entries by agent (and all of them)", async () => {
    await ask(alice, "shared", "admin purge");
    await settle();
    expect(await nodes[0]!.sdk.purgeResponseCache({ agent: "shared" })).toBeGreaterThan(0);
    const again = await ask(bob, "shared", "admin purge");
    expect(hitOf(again.frames)).toBeUndefined();
    await settle();
    expect(await nodes[0]!.sdk.purgeResponseCache()).toBeGreaterThan(0);
    expect(await nodes[0]!.sdk.purgeResponseCache()).toBe(0);
  });
}
