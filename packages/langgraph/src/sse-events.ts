/**
 * Reads a `text/event-stream` body as a sequence of SSE messages (the WHATWG
 * event-stream format, parsed by `eventsource-parser`), with a cap on how much one event
 * may buffer and on how long the stream may stay silent.
 * @module
 */
import { createParser, type EventSourceParser } from "eventsource-parser";
import { RemoteAgentError } from "./errors.js";

/** One dispatched SSE event. */
export interface SseMessage {
  /** The `event:` field, when the server set one. */
  event?: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The `id:` field, when the server set one. */
  id?: string;
}

/** Limits of {@link readSseEvents}. */
export interface SseLimits {
  /**
   * Largest event in characters: its `data` (lines joined) plus its `event` and `id`, and
   * while it is still arriving, its unparsed line too.
   */
  maxEventBytes: number;
  /** Longest silence between two chunks of the body, in ms. */
  idleTimeoutMs: number;
}

/**
 * Incremental event-stream parser over `eventsource-parser`: feed text, collect completed
 * events. Adds what that package leaves to its caller: a leading BOM is stripped when it
 * arrives as U+FEFF (how `TextDecoder` yields one when told not to drop it; the package
 * only recognises the BOM's three UTF-8 bytes read as Latin-1), and one event may not grow
 * past `maxEventBytes`.
 */
export class SseParser {
  private readonly parser: EventSourceParser;
  private completed: SseMessage[] = [];
  private overflow = false;
  private started = false;
  private endsWithCr = false;

  constructor(private readonly maxEventBytes: number) {
    this.parser = createParser({
      // Caps what waits for a line end plus the data of the event being assembled.
      maxBufferSize: maxEventBytes,
      onEvent: (message) => {
        // An event that arrived whole in one chunk was never buffered: measure it here.
        const size = message.data.length + (message.event?.length ?? 0) + (message.id?.length ?? 0);
        if (size > this.maxEventBytes) this.overflow = true;
        if (this.overflow) return;
        this.completed.push({
          data: message.data,
          ...(message.event !== undefined ? { event: message.event } : {}),
          ...(message.id !== undefined ? { id: message.id } : {}),
        });
      },
      onError: (error) => {
        if (error.type === "max-buffer-size-exceeded") this.overflow = true;
        // Other parse errors (an invalid `retry:`) do not matter for a one-shot POST stream.
      },
    });
  }

  /**
   * Parses `text` and returns the events it completed. Throws {@link RemoteAgentError}
   * (`remote_bad_event`) once an event grows past the cap; the parser is unusable after.
   */
  feed(text: string): SseMessage[] {
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.overflow) throw this.tooLarge();
    if (text.length > 0) this.endsWithCr = text.charCodeAt(text.length - 1) === 13;
    this.parser.feed(text);
    if (this.overflow) throw this.tooLarge();
    return this.take();
  }

  /**
   * Ends the stream. A trailing CR still counts as a line end; an event without its blank
   * line is dropped, as the format says.
   */
  end(): SseMessage[] {
    if (this.overflow) throw this.tooLarge();
    // The parser holds a final CR back in case an LF follows; none will, so the CR ended a
    // line. Completing it as CRLF ends that line and nothing more.
    if (this.endsWithCr) this.parser.feed("\n");
    this.endsWithCr = false;
    return this.take();
  }

  private take(): SseMessage[] {
    const out = this.completed;
    this.completed = [];
    return out;
  }

  private tooLarge(): RemoteAgentError {
    return new RemoteAgentError(
      "remote_bad_event",
      `An event from the remote agent exceeded ${this.maxEventBytes} characters (maxEventBytes).`,
    );
  }
}

/**
 * Yields each SSE message of `body` as it completes. Throws {@link RemoteAgentError}
 * (`remote_bad_event`) for an oversized event and (`remote_incomplete`) on silence. An
 * event cut off without its blank line is dropped, as the format says. Releases the
 * body when the consumer stops early.
 */
export async function* readSseEvents(
  body: ReadableStream<Uint8Array>,
  limits: SseLimits,
): AsyncGenerator<SseMessage> {
  const parser = new SseParser(limits.maxEventBytes);
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let timer: NodeJS.Timeout | undefined;
  try {
    while (true) {
      const silence = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new RemoteAgentError(
                "remote_incomplete",
                `The remote agent sent nothing for ${limits.idleTimeoutMs} ms (idleTimeoutMs); giving up on the run.`,
              ),
            ),
          limits.idleTimeoutMs,
        );
      });
      const { done, value } = await Promise.race([reader.read(), silence]);
      clearTimeout(timer);
      if (done) break;
      yield* parser.feed(decoder.decode(value, { stream: true }));
    }
    yield* parser.feed(decoder.decode());
    yield* parser.end();
  } finally {
    clearTimeout(timer);
    // Stops the download (and tells the remote we are gone) when the consumer stops early.
    reader.cancel().catch(() => {});
  }
}
