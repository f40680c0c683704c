import type { SequencedEvent } from "../runs/resume-buffer.js";

/**
 * How an outbox turns run events into bytes for its transport. The WebSocket encoder hands
 * out the frame each event was serialized into once, when the run produced it, so a socket
 * that keeps up never serializes anything; other bindings (SSE) supply their own.
 */
export interface FrameEncoder {
  /** The wire text for one event. */
  event(item: SequencedEvent): string;
  /**
   * The wire text for the delta events `first`..`last` of one message or tool call, merged into
   * `event` (one TEXT_MESSAGE_CONTENT or TOOL_CALL_ARGS whose `delta` is theirs concatenated),
   * sent to readers that are behind (see outbox.ts).
   */
  merged(runId: string, first: number, last: number, event: MergedDelta): string;
}

/** A merged delta event: what `first`..`last` add up to. */
export type MergedDelta =
  | { type: "TEXT_MESSAGE_CONTENT"; messageId: string; delta: string }
  | { type: "TOOL_CALL_ARGS"; toolCallId: string; delta: string };

/** The `backchannel.v1` WebSocket encoding: `event` frames, merged ones carrying `first`. */
export const wsFrameEncoder: FrameEncoder = {
  event: (item) => item.frame,
  merged: (runId, first, last, event) => JSON.stringify({ type: "event", runId, seq: last, first, event }),
};
