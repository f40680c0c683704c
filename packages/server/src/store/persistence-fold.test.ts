import type { BaseEvent } from "@ag-ui/core";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { ResolvedResume } from "../options.js";
import { RunRegistry } from "../runs/registry.js";
import { ThreadPersistence } from "./persistence.js";
import { createSqliteStore } from "./sqlite-store.js";
import type { ThreadStore } from "./thread-store.js";

const resume: ResolvedResume = {
  maxEvents: 40,
  maxBytes: 1e6,
  maxAgeMs: 600_000,
  retentionMs: 60_000,
  maxRetainedRuns: 100,
  maxRetainedBytes: 1e9,
};
const user = { id: "alice", kind: "user" } as never;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function setup() {
  const store: ThreadStore = await createSqliteStore({ path: ":memory:" });
  const registry = new RunRegistry(resume);
  const logs: { level: number; msg: string; runId?: string }[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const persistence = new ThreadPersistence(store, { logger, registry }, { ownsStore: true });
  closers.push(() => persistence.close());
  return { store, registry, persistence, logs };
}

/** State nested `levels` deep, built in-process (the parser refuses it; this tests the layer behind). */
function deepState(levels: number): unknown {
  let v: unknown = [];
  for (let i = 0; i < levels; i++) v = [v];
  return { deep: v };
}

function startRun(
  registry: RunRegistry,
  threadId: string,
  state: unknown = {},
  messages: unknown[] = [{ id: "u", role: "user", content: "hi" }],
) {
  const input = {
    threadId,
    runId: `run-${threadId}`,
    messages,
    tools: [],
    context: [],
    state,
  };
  const run = registry.create(input as never, "a", user);
  run.emit({ type: "RUN_STARTED", threadId, runId: run.id } as BaseEvent);
  run.emit({ type: "TEXT_MESSAGE_START", messageId: "m", role: "assistant" } as BaseEvent);
  return run;
}

/**
 * A run whose fold throws: its input message is nested deep enough that comparing it with a
 * MESSAGES_SNAPSHOT of the same id overflows the stack (this used to be an unhandled rejection).
 */
function startThrowingRun(registry: RunRegistry, threadId: string) {
  const run = startRun(registry, threadId, {}, [{ id: "u", role: "user", content: deepState(200_000) }]);
  run.emit({ type: "MESSAGES_SNAPSHOT", messages: [{ id: "u", role: "user", content: "hi" }] } as BaseEvent);
  return run;
}

const tokens = (run: ReturnType<typeof startRun>, from: number, to: number) => {
  for (let i = from; i < to; i++)
    run.emit({ type: "TEXT_MESSAGE_CONTENT", messageId: "m", delta: `${i} ` } as BaseEvent);
};
const text = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, k) => `${from + k} `).join("");

describe("ThreadPersistence folding", () => {
  it("folds a short run once, when it ends, and stores it whole", async () => {
    const { store, registry, persistence } = await setup();
    await persistence.authorizeRun({ id: "alice", kind: "user" } as never, { threadId: "t1" } as never);
    const run = startRun(registry, "t1");
    persistence.track(run);
    tokens(run, 0, 5);
    run.finish();
    await run.done;
    await persistence.flush();
    const thread = await store.getThread("t1");
    expect(thread?.messages).toEqual([
      { id: "u", role: "user", content: "hi" },
      { id: "m", role: "assistant", content: text(0, 5) },
    ]);
    expect((await store.listRuns("t1", 1))[0]).toMatchObject({ truncated: false, eventCount: 9 });
  });

  it("folds a running run early once its buffer fills, so a run longer than its buffer is stored whole", async () => {
    const { store, registry, persistence } = await setup();
    await persistence.authorizeRun({ id: "alice", kind: "user" } as never, { threadId: "t2" } as never);
    const run = startRun(registry, "t2");
    persistence.track(run);
    // 30 of 40 buffered events: past the early-fold mark; the next fold tick (1 s) reads them.
    tokens(run, 0, 28);
    await new Promise((r) => setTimeout(r, 1_300));
    // 30 more: the buffer now drops the first events, which were folded already.
    tokens(run, 28, 58);
    expect(run.buffer.firstSeq).toBeGreaterThan(3);
    run.finish();
    await run.done;
    await persistence.flush();
    const thread = await store.getThread("t2");
    expect(thread?.messages[1]).toEqual({ id: "m", role: "assistant", content: text(0, 58) });
    expect((await store.listRuns("t2", 1))[0]).toMatchObject({ truncated: false });
  });

  it("a fold that throws when the run ends fails that run's save only: logged, the process and other saves go on", async () => {
    const { store, registry, persistence, logs } = await setup();
    const alice = { id: "alice", kind: "user" } as never;
    await persistence.authorizeRun(alice, { threadId: "bad" } as never);
    await persistence.authorizeRun(alice, { threadId: "good" } as never);
    const bad = startThrowingRun(registry, "bad");
    const good = startRun(registry, "good");
    persistence.track(bad);
    persistence.track(good);
    tokens(bad, 0, 2);
    tokens(good, 0, 2);
    bad.finish();
    good.finish();
    await Promise.all([bad.done, good.done]);
    await persistence.flush();
    expect((await store.getThread("good"))?.messages).toHaveLength(2);
    expect((await store.listRuns("bad", 1)).length).toBe(0);
    expect(logs.find((l) => l.level === 50 && l.runId === bad.id)?.msg).toMatch(/could not fold or save/);
  });

  it("a fold that throws in the early-fold timer is caught there, and that run's save is skipped and logged", async () => {
    const { store, registry, persistence, logs } = await setup();
    await persistence.authorizeRun({ id: "alice", kind: "user" } as never, { threadId: "t3" } as never);
    const run = startThrowingRun(registry, "t3");
    persistence.track(run);
    // Past the early-fold mark, so the 1 s fold timer folds it (and used to throw out of the timer).
    tokens(run, 0, 28);
    await new Promise((r) => setTimeout(r, 1_300));
    run.finish();
    await run.done;
    await persistence.flush();
    expect((await store.listRuns("t3", 1)).length).toBe(0);
    expect(logs.filter((l) => l.level === 50 && l.runId === run.id)).toHaveLength(1);
  });
});
