/**
 * The agent the chaos suite runs: a seeded mix of everything a real agent emits (text in
 * many deltas, tool calls with streamed arguments, state deltas, steps, custom events), with
 * small pauses between events so that runs overlap and sockets die mid-stream. It records
 * every event it yields, per runId: the transcript clients must end up with.
 */
import type { Agent } from "@backchannel/server";
import { prng } from "./harness.js";

/** What the agent yielded, per runId. */
export const produced = new Map<string, Record<string, unknown>[]>();

const pause = (ms: number) =>
  new Promise<void>((resolve) => (ms ? setTimeout(resolve, ms) : setImmediate(resolve)));

function* script(runId: string, seed: number): Generator<Record<string, unknown>> {
  const rand = prng(seed);
  const parts = 2 + Math.floor(rand() * 3);
  for (let p = 0; p < parts; p++) {
    const kind = rand();
    if (kind < 0.5) {
      const messageId = `${runId}-m${p}`;
      yield { type: "TEXT_MESSAGE_START", messageId, role: "assistant" };
      const n = 5 + Math.floor(rand() * 40);
      for (let i = 0; i < n; i++) yield { type: "TEXT_MESSAGE_CONTENT", messageId, delta: `w${p}.${i} ` };
      yield { type: "TEXT_MESSAGE_END", messageId };
    } else if (kind < 0.75) {
      const toolCallId = `${runId}-t${p}`;
      yield { type: "TOOL_CALL_START", toolCallId, toolCallName: "lookup" };
      for (const chunk of ['{"isin":', '"LU0000', `${p}`, '"}'])
        yield { type: "TOOL_CALL_ARGS", toolCallId, delta: chunk };
      yield { type: "TOOL_CALL_END", toolCallId };
    } else if (kind < 0.9) {
      yield { type: "STEP_STARTED", stepName: `step${p}` };
      yield { type: "STATE_DELTA", delta: [{ op: "add", path: `/k${p}`, value: p }] };
      yield { type: "STEP_FINISHED", stepName: `step${p}` };
    } else {
      yield { type: "CUSTOM", name: "progress", value: { p, at: Math.floor(rand() * 1000) } };
    }
  }
}

/** Yields the seeded script of `forwardedProps.seed`, pausing 0–3 ms (or a loop turn) between events. */
export const chaosAgent: Agent = {
  name: "chaos",
  description: "Seeded mix of AG-UI events with pauses",
  async *run(input) {
    const seed = Number((input.forwardedProps as { seed?: number } | undefined)?.seed ?? 1);
    const rand = prng(seed ^ 0x9e3779b9);
    const log: Record<string, unknown>[] = [];
    produced.set(input.runId, log);
    for (const event of script(input.runId, seed)) {
      await pause(Math.floor(rand() * 4));
      log.push(event);
      yield event as never;
    }
  },
};

/**
 * A transcript in canonical form: consecutive TEXT_MESSAGE_CONTENT deltas of one message (and
 * TOOL_CALL_ARGS deltas of one call) are joined, because the server may merge them into one
 * frame for a reader that is behind (docs/protocol.md, "Merged deltas").
 */
export function canonical(events: Record<string, unknown>[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const e of events) {
    const prev = out.at(-1);
    const sameText =
      e.type === "TEXT_MESSAGE_CONTENT" && prev?.type === e.type && prev.messageId === e.messageId;
    const sameArgs = e.type === "TOOL_CALL_ARGS" && prev?.type === e.type && prev.toolCallId === e.toolCallId;
    if (sameText || sameArgs) {
      out[out.length - 1] = { ...prev, delta: `${prev.delta}${e.delta}` };
    } else out.push({ ...e });
  }
  return out;
}
