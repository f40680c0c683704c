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
};
const user = { id: "alice", kind: "user" } as never;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function setup() {
  const store: ThreadStore = await createSqliteStore({ path: ":memory:" });
  const registry = new RunRegistry(resume);
  const persistence = new ThreadPersistence(
    store,
    { logger: pino({ level: "silent" }), registry },
    { ownsStore: true },
  );
  closers.push(() => persistence.close());
  return { store, registry, persistence };
}

function startRun(registry: RunRegistry, threadId: string) {
  const input = {
    threadId,
    runId: `run-${threadId}`,
    messages: [{ id: "u", role: "user", content: "hi" }],
    tools: [],
    context: [],
    state: {},
  };
  const run = registry.create(input as never, "a", user);
  run.emit({ type: "RUN_STARTED", threadId, runId: run.id } as BaseEvent);
  run.emit({ type: "TEXT_MESSAGE_START", messageId: "m", role: "assistant" } as BaseEvent);
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
});
