import type { BaseEvent } from "@ag-ui/core";
import { describe, expect, it } from "vitest";
import type { ResolvedResume } from "../options.js";
import { RunRegistry } from "./registry.js";

const user = { id: "alice", kind: "user" } as never;
const resume = (maxRetainedBytes: number): ResolvedResume => ({
  maxEvents: 10_000,
  maxBytes: 8 * 1024 * 1024,
  maxAgeMs: 600_000,
  retentionMs: 300_000,
  maxRetainedRuns: 10_000,
  maxRetainedBytes,
});
/** After the run-end turn: the registry counts a finished run once persistence had its turn. */
const afterEnd = () => new Promise((r) => setImmediate(r));

/** Starts and finishes a run that streams `kb` KiB of text, with a large input (history + state). */
async function finishedRun(registry: RunRegistry, n: number, kb: number) {
  const input = {
    threadId: `t${n}`,
    runId: `r${n}`,
    messages: [{ id: `u${n}`, role: "user", content: "h".repeat(256 * 1024) }],
    tools: [],
    context: [],
    state: { big: "s".repeat(256 * 1024) },
    forwardedProps: {},
  };
  const run = registry.create(input as never, "a", user);
  run.emit({ type: "TEXT_MESSAGE_START", messageId: `m${n}`, role: "assistant" } as BaseEvent);
  for (let i = 0; i < kb; i++)
    run.emit({ type: "TEXT_MESSAGE_CONTENT", messageId: `m${n}`, delta: "x".repeat(1024) } as BaseEvent);
  run.finish();
  await run.done;
  await afterEnd();
  return run;
}

describe("RunRegistry retention", () => {
  it("keeps only what resume needs of a finished run: its events, not its input", async () => {
    const registry = new RunRegistry(resume(1 << 30));
    const run = await finishedRun(registry, 1, 4);
    expect(run.input).toMatchObject({ threadId: "t1", runId: "r1", messages: [], state: undefined });
    expect(JSON.stringify(run.input).length).toBeLessThan(200);
    // Resume still replays every event.
    const replay = run.buffer.since(0, run.lastSeq)!;
    expect(replay.map((e) => e.seq)).toEqual(Array.from({ length: run.lastSeq }, (_, i) => i + 1));
    expect(replay.at(-1)!.event.type).toBe("RUN_FINISHED");
  });

  it("bounds finished runs by a total byte budget (as their buffers count bytes), evicting the oldest first", async () => {
    // Each run holds ~64 KiB of frames; the budget fits three.
    const probe = await finishedRun(new RunRegistry(resume(1 << 30)), 0, 64);
    const perRun = probe.buffer.byteSize;
    expect(perRun).toBeGreaterThan(64 * 1024);
    const registry = new RunRegistry(resume(perRun * 3 + perRun / 2));
    const runs = [];
    for (let n = 1; n <= 6; n++) runs.push(await finishedRun(registry, n, 64));
    expect(registry.retainedBytes).toBe(perRun * 3);
    expect(registry.retainedBytes).toBeLessThanOrEqual(perRun * 3.5);
    expect(runs.map((r) => registry.get(r.id) !== undefined)).toEqual([
      false,
      false,
      false,
      true,
      true,
      true,
    ]);
    // Evicted runs let go of their events too.
    expect(runs[0]!.buffer.size).toBe(0);
    // A running run is never evicted for the budget, and a dropped thread's runs go with it.
    const running = registry.create({ threadId: "t5", runId: "live" } as never, "a", user);
    registry.forgetThread("t4");
    expect(registry.get("r4")).toBeUndefined();
    expect(registry.get("live")).toBe(running);
    expect(registry.retainedBytes).toBe(perRun * 2);
  });

  it("counts down what retention and the run-count cap drop", async () => {
    const registry = new RunRegistry({ ...resume(1 << 30), maxRetainedRuns: 1 });
    await finishedRun(registry, 1, 8);
    const second = await finishedRun(registry, 2, 8);
    registry.sweep();
    expect(registry.retainedBytes).toBe(second.buffer.byteSize);
    registry.sweep(Date.now() + 301_000);
    expect(registry.retainedBytes).toBe(0);
    expect(registry.size).toBe(0);
  });
});
