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
   * The wire text for TEXT_MESSAGE_CONTENT events `first`..`last` of one message, merged into
   * one delta (sent to readers that fell behind).
   */
  mergedText(runId: string, first: number, last: number, messageId: string, delta: string): string;
}

/** The `backchannel.v1` WebSocket encoding: `event` frames, merged ones carrying `first`. */
export const wsFrameEncoder: FrameEncoder = {
  event: (item) => item.frame,
  mergedText: (runId, first, last, messageId, delta) =>
    JSON.stringify({
      type: "event",
      runId,
      seq: last,
      first,
      event: { type: "TEXT_MESSAGE_CONTENT", messageId, delta },
    }),
};
