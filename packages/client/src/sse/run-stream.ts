/**
 * Reading one run's SSE response: blocks become `backchannel.v1` event frames (with `first`
 * for merged text deltas), `event: error` becomes a failure, and silence longer than the idle
 * timeout ends the read. What to do about each outcome is the socket's business.
 * @module
 */
import { classifyStreamError, type SseFailure } from "./sse-errors.js";
import { createSseParser } from "./sse-parser.js";

/** How a read ended. */
export type RunStreamEnd =
  /** The run's terminal event arrived. */
  | { kind: "finished" }
  /** The server ended the stream with `event: error`. */
  | { kind: "failed"; failure: SseFailure }
  /** The body ended before the run did (a cut connection, a proxy timeout). */
  | { kind: "cut" }
  /** Nothing arrived for `idleTimeoutMs` (not even the server's `: ping` comments). */
  | { kind: "idle" }
  /** `signal` aborted the read. */
  | { kind: "aborted" };

/** What `readRunStream` needs. */
export interface RunStreamOptions {
  runId: string;
  /** The seq the stream starts after (0 for a new run). */
  after: number;
  idleTimeoutMs: number;
  signal: AbortSignal;
  /** Receives each event frame's text. */
  onFrame(text: string): void;
}

/** Reads `body` to its end (or the run's), handing event frames to `onFrame`. Never throws. */
export async function readRunStream(
  body: ReadableStream<Uint8Array>,
  opts: RunStreamOptions,
): Promise<RunStreamEnd> {
  const runIdJson = JSON.stringify(opts.runId);
  let prev = opts.after;
  let end: RunStreamEnd | undefined;
  const feed = createSseParser((message) => {
    if (end) return;
    if (message.event === "error") {
      end = { kind: "failed", failure: classifyStreamError(message.data) };
      return;
    }
    const seq = Number(message.id);
    if (!Number.isSafeInteger(seq) || seq <= prev) return;
    // Merged text deltas carry the last merged seq; the stream is contiguous, so they start at prev + 1.
    const first = seq > prev + 1 ? `,"first":${prev + 1}` : "";
    prev = seq;
    opts.onFrame(`{"type":"event","runId":${runIdJson},"seq":${seq}${first},"event":${message.data}}`);
    if (isTerminal(message.data)) end = { kind: "finished" };
  });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let idle = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      idle = true;
      reader.cancel().catch(() => {});
    }, opts.idleTimeoutMs);
  };
  const onAbort = () => reader.cancel().catch(() => {});
  opts.signal.addEventListener("abort", onAbort, { once: true });
  try {
    arm();
    while (!end) {
      const { done, value } = await reader.read();
      if (done) break;
      arm();
      feed(decoder.decode(value, { stream: true }));
    }
  } catch {
    // A network error mid-body: reported as a cut below.
  } finally {
    clearTimeout(timer);
    opts.signal.removeEventListener("abort", onAbort);
  }
  if (end) {
    reader.cancel().catch(() => {});
    return end;
  }
  if (opts.signal.aborted) return { kind: "aborted" };
  return idle ? { kind: "idle" } : { kind: "cut" };
}

/** Whether an event's JSON is RUN_FINISHED/RUN_ERROR (cheap test first: most events are not). */
function isTerminal(data: string): boolean {
  if (!data.includes('"RUN_FINISHED"') && !data.includes('"RUN_ERROR"')) return false;
  try {
    const type = (JSON.parse(data) as { type?: unknown }).type;
    return type === "RUN_FINISHED" || type === "RUN_ERROR";
  } catch {
    return false;
  }
}
