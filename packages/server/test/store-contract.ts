/**
 * The behaviour every ThreadStore must have, run against each implementation (SQLite in a
 * temp dir, Postgres in a throwaway schema) by the store test files.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import type { RunRecord, ThreadStore } from "../src/store/thread-store.js";

const user = (id: string, content: string) => ({ id, role: "user" as const, content });
const assistant = (id: string, content: string) => ({ id, role: "assistant" as const, content });

function runRecord(threadId: string, runId: string, over: Partial<RunRecord> = {}): RunRecord {
  return {
    runId,
    threadId,
    principalId: "alice",
    agent: "echo",
    status: "finished",
    eventCount: 5,
    truncated: false,
    startedAt: 1_000,
    endedAt: 2_000,
    ...over,
  };
}

/** Registers the contract tests; `make` returns a fresh, migrated store. */
export function threadStoreContract(
  make: () => Promise<ThreadStore>,
  cleanup: () => Promise<void> = async () => {},
) {
  let store: ThreadStore;
  beforeEach(async () => {
    store = await make();
  });
  afterEach(async () => {
    await store.close();
    await cleanup();
  });

  it("a thread belongs to whoever claimed it first", async () => {
    expect(await store.claimThread("t1", "alice", 100)).toEqual({ ownerId: "alice", created: true });
    expect(await store.claimThread("t1", "alice", 200)).toEqual({ ownerId: "alice", created: false });
    expect(await store.claimThread("t1", "bob", 300)).toEqual({ ownerId: "alice", created: false });
    const t = await store.getThread("t1");
    expect(t).toMatchObject({ threadId: "t1", ownerId: "alice", messages: [], state: {}, createdAt: 100 });
    expect(await store.getOwner("t1")).toBe("alice");
    expect(await store.getOwner("nope")).toBeUndefined();
    // bob's attempt did not touch alice's thread.
    expect(t!.updatedAt).toBe(200);
  });

  it("saves a run's conversation, state and run record", async () => {
    await store.claimThread("t1", "alice", 500);
    const messages = [user("u1", "What is  my\nNAV?"), assistant("a1", "It is 42 \u0000.")];
    expect(
      await store.saveRun(runRecord("t1", "r1"), { messages, state: { nav: 42 }, title: "What is my NAV?" }),
    ).toBe(true);
    const t = await store.getThread("t1");
    expect(t).toMatchObject({
      messages: [user("u1", "What is  my\nNAV?"), assistant("a1", "It is 42 \ufffd.")],
      state: { nav: 42 },
      title: "What is my NAV?",
      agent: "echo",
      lastRunId: "r1",
      lastRunStatus: "finished",
      updatedAt: 2_000,
    });
    const runs = await store.listRuns("t1", 10);
    expect(runs).toEqual([runRecord("t1", "r1")]);
  });

  it("keeps the newer run's conversation when an older run finishes later", async () => {
    await store.claimThread("t1", "alice", 500);
    await store.saveRun(runRecord("t1", "new", { startedAt: 3_000, endedAt: 4_000 }), {
      messages: [user("u1", "hi"), assistant("a2", "newer")],
      state: { v: 2 },
    });
    await store.saveRun(
      runRecord("t1", "old", {
        startedAt: 2_000,
        endedAt: 5_000,
        status: "error",
        errorCode: "x",
        errorMessage: "boom",
      }),
      { messages: [user("u1", "hi"), assistant("a1", "older")], state: { v: 1 } },
    );
    const t = await store.getThread("t1");
    expect(t!.messages.at(-1)).toMatchObject({ content: "newer" });
    expect(t!.state).toEqual({ v: 2 });
    expect(t!.updatedAt).toBe(5_000);
    const runs = await store.listRuns("t1", 10);
    expect(runs.map((r) => r.runId)).toEqual(["new", "old"]);
    expect(runs[1]).toMatchObject({ status: "error", errorCode: "x", errorMessage: "boom" });
  });

  it("does not resurrect a deleted thread when its run ends", async () => {
    await store.claimThread("t1", "alice", 500);
    expect(await store.deleteThread("t1")).toBe(true);
    expect(await store.deleteThread("t1")).toBe(false);
    expect(await store.saveRun(runRecord("t1", "r1"), { messages: [], state: {} })).toBe(false);
    expect(await store.getThread("t1")).toBeUndefined();
    expect(await store.listRuns("t1", 10)).toEqual([]);
  });

  it("lists only the owner's threads, newest first, page by page", async () => {
    for (let i = 0; i < 7; i++) await store.claimThread(`a${i}`, "alice", 1_000 + (i % 3));
    await store.claimThread("b0", "bob", 5_000);
    const seen: string[] = [];
    let cursor: { updatedAt: number; threadId: string } | undefined;
    for (;;) {
      const page = await store.listThreads("alice", { limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.map((t) => t.threadId));
      if (page.length < 3) break;
      const last = page.at(-1)!;
      cursor = { updatedAt: last.updatedAt, threadId: last.threadId };
    }
    expect(seen).toEqual(["a5", "a2", "a4", "a1", "a6", "a3", "a0"]);
    const [first] = await store.listThreads("bob", { limit: 10 });
    expect(first).toMatchObject({ threadId: "b0", messageCount: 0, createdAt: 5_000, updatedAt: 5_000 });
  });

  it("deletes idle threads and their runs, oldest first, in batches", async () => {
    await store.claimThread("old1", "alice", 100);
    await store.claimThread("old2", "alice", 200);
    await store.claimThread("fresh", "alice", 10_000);
    await store.saveRun(runRecord("old1", "r-old", { startedAt: 100, endedAt: 150 }), {
      messages: [],
      state: {},
    });
    expect(await store.deleteIdleThreads(5_000, 1)).toEqual(["old1"]);
    expect(await store.deleteIdleThreads(5_000, 10)).toEqual(["old2"]);
    expect(await store.deleteIdleThreads(5_000, 10)).toEqual([]);
    expect(await store.listRuns("old1", 10)).toEqual([]);
    expect(await store.getThread("fresh")).toBeDefined();
  });

  it("migrates idempotently and answers ping", async () => {
    await Promise.all([store.migrate(), store.migrate()]);
    await store.ping();
  });
}
