/**
 * The synthetic AG-UI agent every server in the benchmark runs: the same async generator of
 * events, so differences in the figures come from the transport, not the agent.
 *
 * Parameters travel in `forwardedProps` (Backchannel, CopilotKit) or the run request
 * (bare ws): `tokens` (how many TEXT_MESSAGE_CONTENT events), `rate` (tokens per second per
 * stream; 0 = as fast as possible), `burst` (when unpaced, tokens emitted per turn of the
 * event loop, like several tokens arriving in one read from a model's socket) and `stamp`
 * (each delta carries the emit time, for latency).
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";

/** Deltas of a realistic size (an LLM token is ~4 bytes of English). */
export const WORDS = [
  " the",
  " fund",
  " NAV",
  " rose",
  " 2.1%",
  " on",
  " the",
  " week",
  ",",
  " led",
  " by",
  " rates",
  " and",
  " FX",
  ".",
  " Cash",
  " at",
  " T+1",
  " is",
  " fine",
  " for",
  " all",
  " 14",
  " share",
  " classes",
  ";",
  " one",
  " break",
  " on",
  " EUR",
];

/** Monotonic clock in µs, shared by every process on this machine (CLOCK_MONOTONIC). */
export function nowMicros() {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Reads the bench parameters of a run, with defaults. */
export function benchParams(props = {}) {
  return {
    tokens: Number(props.tokens ?? 100),
    rate: Number(props.rate ?? 0),
    burst: Math.max(1, Number(props.burst ?? 1)),
    stamp: Boolean(props.stamp),
    // Each token as a CUSTOM event instead of a text delta: replays cannot merge them (like
    // tool-call or state deltas), the heavy case of a resume.
    custom: Boolean(props.custom),
  };
}

/**
 * The events of one run: RUN_STARTED, a text message of `tokens` deltas, RUN_FINISHED.
 * Stops early when `signal` aborts.
 */
export async function* benchEvents({ threadId, runId }, props, signal) {
  const { tokens, rate, burst, stamp, custom } = benchParams(props);
  const messageId = `m-${runId}`;
  yield { type: "RUN_STARTED", threadId, runId };
  yield { type: "TEXT_MESSAGE_START", messageId, role: "assistant" };
  const interval = rate > 0 ? 1000 / rate : 0;
  let due = performance.now();
  for (let i = 0; i < tokens; i++) {
    if (signal?.aborted) return;
    if (interval) {
      due += interval;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
    } else if (i > 0 && i % burst === 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (custom) {
      yield { type: "CUSTOM", name: "token", value: WORDS[i % WORDS.length] };
      continue;
    }
    yield {
      type: "TEXT_MESSAGE_CONTENT",
      messageId,
      delta: stamp ? ` ${nowMicros()}` : WORDS[i % WORDS.length],
    };
  }
  yield { type: "TEXT_MESSAGE_END", messageId };
  yield { type: "RUN_FINISHED", threadId, runId };
}

/** Total text bytes a run of `tokens` unstamped deltas delivers (what clients must receive). */
export function expectedTextBytes(tokens) {
  let n = 0;
  for (let i = 0; i < tokens; i++) n += Buffer.byteLength(WORDS[i % WORDS.length]);
  return n;
}
