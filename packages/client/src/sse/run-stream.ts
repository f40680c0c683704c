/**
 * Reading one run's SSE response: blocks become `backchannel.v1` event frames (with `first`
 * for merged text deltas), `event: error` becomes a failure, and silence longer than the idle
 * timeout ends the read. What to do about each outcome is the socket's business.
 * @module
 */
import type { EventFrame } from "@backchannel/protocol";
import { createParser } from "eventsource-parser";
import { classifyStreamError, type SseFailure } from "./sse-errors.js";

/**
 * The largest single SSE event (or unterminated line) the reader buffers, in characters. A
 * MESSAGES_SNAPSHOT of a long conversation is the biggest legitimate event; past this the
 * stream is broken or hostile, and holding it would only grow memory.
 */
export const MAX_SSE_EVENT_CHARS = 8 * 1024 * 1024;

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
  /** Receives each event frame. */
  onFrame(frame: EventFrame): void;
  /** A block whose data is not JSON (it is skipped). */
  onUnreadable?(): void;
  /** See `MAX_SSE_EVENT_CHARS`. */
  maxEventChars?: number;
}

/** Reads `body` to its end (or the run's), handing event frames to `onFrame`. Never throws. */
export async function readRunStream(
  body: ReadableStream<Uint8Array>,
  opts: RunStreamOptions,
): Promise<RunStreamEnd> {
  let prev = opts.after;
  let end: RunStreamEnd | undefined;
  const maxEventChars = opts.maxEventChars ?? MAX_SSE_EVENT_CHARS;
  const parser = createParser({
    maxBufferSize: maxEventChars,
    // Only an oversized event ends the read; unknown fields and bad `retry:` values are ignored, as the spec says.
    onError: (error) => {
      if (error.type === "max-buffer-size-exceeded") tooLarge();
    },
    onEvent: (message) => onMessage(message.event ?? "message", message.id, message.data),
  });
  // The parser caps what it buffers between chunks; an event that arrives whole is checked here.
  const tooLarge = () => {
    end ??= {
      kind: "failed",
      failure: {
        kind: "frame",
        code: "protocol_error",
        message: `An event of run ${opts.runId} is over ${maxEventChars} characters; the stream was dropped.`,
      },
    };
  };
  const onMessage = (event: string, id: string | undefined, data: string) => {
    if (end) return;
    if (data.length > maxEventChars) return tooLarge();
    if (event === "error") {
      end = { kind: "failed", failure: classifyStreamError(data) };
      return;
    }
    const seq = Number(id);
    if (!Number.isSafeInteger(seq) || seq <= prev) return;
    // Merged text deltas carry the last merged seq; the stream is contiguous, so they start at prev + 1.
    const first = seq > prev + 1 ? prev + 1 : undefined;
    prev = seq;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      opts.onUnreadable?.();
      return;
    }
    const frame: EventFrame = { type: "event", runId: opts.runId, seq, event: parsed as EventFrame["event"] };
    if (first !== undefined) frame.first = first;
    opts.onFrame(frame);
    const type = (parsed as { type?: unknown } | null)?.type;
    if (type === "RUN_FINISHED" || type === "RUN_ERROR") end = { kind: "finished" };
  };
  const reader = body.getReader();
  // The decoder drops a leading byte order mark (ignoreBOM is false), as the SSE spec asks.
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
      parser.feed(decoder.decode(value, { stream: true }));
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
