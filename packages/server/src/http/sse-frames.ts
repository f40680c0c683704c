import type { SequencedEvent } from "../runs/resume-buffer.js";
import type { FrameEncoder } from "../session/frame-encoder.js";

/** Where the AG-UI event starts inside a run's pre-serialized WebSocket frame. */
const EVENT_KEY = ',"event":';

/**
 * The AG-UI event JSON of a buffered event, cut out of the frame the run already serialized
 * (`{"type":"event","runId":…,"seq":N,"event":<event>}`), so SSE readers never serialize
 * again. The runId is JSON-escaped, so its quotes cannot fake the key.
 */
export function eventJson(item: SequencedEvent): string {
  return item.frame.slice(item.frame.indexOf(EVENT_KEY) + EVENT_KEY.length, -1);
}

/**
 * AG-UI over SSE: one `id: <seq>` + `data: <event JSON>` block per event. Merged deltas (text or
 * tool-call arguments) carry the last merged seq as their id, so `Last-Event-ID` stays a correct resume point.
 */
export const sseFrameEncoder: FrameEncoder = {
  event: (item) => `id: ${item.seq}\ndata: ${eventJson(item)}\n\n`,
  merged: (_runId, _first, last, event) => `id: ${last}\ndata: ${JSON.stringify(event)}\n\n`,
};

/**
 * A stream-level error (`event: error`, no id): the stream ends after it. Its data is shaped
 * as an AG-UI RUN_ERROR so AG-UI clients that ignore the event name stop with the message;
 * Backchannel clients read the event name and resume or fail according to `code`.
 */
export function sseErrorBlock(code: string, message: string): string {
  return `event: error\ndata: ${JSON.stringify({ type: "RUN_ERROR", code, message })}\n\n`;
}

/** A comment line: keeps proxies from timing the stream out, ignored by every SSE parser. */
export const SSE_PING = ": ping\n\n";

/** The reconnection delay `EventSource` should use (a block without data: dispatches nothing). */
export const SSE_RETRY = "retry: 1000\n\n";
