/**
 * Reads a `text/event-stream` body as a sequence of SSE messages (the WHATWG
 * event-stream format: `data:`/`event:`/`id:` fields, `:` comments, events ended by a
 * blank line, any of CRLF/LF/CR as line ends), with a cap on how much one event may
 * buffer and on how long the stream may stay silent.
 *
 * Hand-written because the usual parser package publishes its TypeScript sources under
 * the generic `source` export condition, which this workspace used to build with. The
 * workspace's condition is now `@backchannel/source`, so that no longer collides; moving to
 * the package is open in issue 12.
 * @module
 */
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
  /** Largest event (all its unparsed lines) in characters. */
  maxEventBytes: number;
  /** Longest silence between two chunks of the body, in ms. */
  idleTimeoutMs: number;
}

/** Incremental event-stream parser: feed text, collect completed events. */
export class SseParser {
  private buffer = "";
  private data: string[] = [];
  private event: string | undefined;
  private id: string | undefined;
  private pendingBytes = 0;
  private started = false;

  constructor(private readonly maxEventBytes: number) {}

  /** Parses `text` and returns the events it completed. Throws when one grows past the cap. */
  feed(text: string): SseMessage[] {
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.buffer += text;
    const out: SseMessage[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      // A CR at the very end may be the first half of CRLF: wait for the next chunk.
      if (c === 13 && i === this.buffer.length - 1) break;
      const line = this.buffer.slice(start, i);
      if (c === 13 && this.buffer.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
      const message = this.line(line);
      if (message) out.push(message);
    }
    this.buffer = this.buffer.slice(start);
    this.check(this.buffer.length);
    return out;
  }

  private check(extra: number): void {
    if (this.pendingBytes + extra > this.maxEventBytes) {
      throw new RemoteAgentError(
        "remote_bad_event",
        `An event from the remote agent exceeded ${this.maxEventBytes} bytes (maxEventBytes).`,
      );
    }
  }

  /** Ends the stream: a trailing CR counts as a line end; an unterminated event is dropped. */
  end(): SseMessage[] {
    const out: SseMessage[] = [];
    if (this.buffer.endsWith("\r")) {
      const message = this.line(this.buffer.slice(0, -1));
      if (message) out.push(message);
    }
    this.buffer = "";
    return out;
  }

  private line(line: string): SseMessage | undefined {
    if (line === "") return this.dispatch();
    this.pendingBytes += line.length + 1;
    this.check(0);
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
    else if (field === "id" && !value.includes("\0")) this.id = value;
    // `retry` and unknown fields do not matter for a one-shot POST stream.
    return undefined;
  }

  private dispatch(): SseMessage | undefined {
    const hadData = this.data.length > 0;
    const message: SseMessage = {
      data: this.data.join("\n"),
      ...(this.event !== undefined ? { event: this.event } : {}),
      ...(this.id !== undefined ? { id: this.id } : {}),
    };
    this.data = [];
    this.event = undefined;
    this.pendingBytes = 0;
    return hadData ? message : undefined;
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
