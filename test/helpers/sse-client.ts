/**
 * A Server-Sent Events reader for tests, over real HTTP (Node's fetch). Records every block
 * it parses (`id`, `event`, `data`), so tests can assert on the wire format itself.
 */

/** One parsed SSE block. */
export interface SseBlock {
  id: string | undefined;
  event: string | undefined;
  /** Joined `data:` lines. */
  data: string;
  /** `data` parsed as JSON, when it is JSON. */
  json: any;
}

export interface SseReader {
  status: number;
  headers: Headers;
  /** Every block so far (comments excluded). */
  blocks: SseBlock[];
  /** Comment lines seen (e.g. ": ping"). */
  comments: string[];
  /** The JSON body of a non-SSE answer (errors). */
  body: any;
  /** Resolves with the first block (past or future) matching `pred`. */
  next(pred: (b: SseBlock) => boolean, timeoutMs?: number): Promise<SseBlock>;
  /** Resolves when the response body ends (or is aborted). */
  ended: Promise<void>;
  abort(): void;
}

/** Parses complete blocks out of `buffer`; returns the unparsed rest. */
function parseBlocks(buffer: string, onBlock: (b: SseBlock) => void, onComment: (c: string) => void): string {
  const parts = buffer.split(/\r?\n\r?\n/);
  const rest = parts.pop() ?? "";
  for (const part of parts) {
    let id: string | undefined;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of part.split(/\r?\n/)) {
      if (line.startsWith(":")) {
        onComment(line);
        continue;
      }
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "id") id = value;
      else if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (data.length === 0 && id === undefined && event === undefined) continue;
    const text = data.join("\n");
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    onBlock({ id, event, data: text, json });
  }
  return rest;
}

/** Sends the request and starts reading; resolves once the status and headers are in. */
export async function openSse(url: string, init: RequestInit = {}): Promise<SseReader> {
  const controller = new AbortController();
  const res = await fetch(url, { ...init, signal: controller.signal });
  const blocks: SseBlock[] = [];
  const comments: string[] = [];
  const waiters: { pred: (b: SseBlock) => boolean; resolve: (b: SseBlock) => void }[] = [];
  const reader: SseReader = {
    status: res.status,
    headers: res.headers,
    blocks,
    comments,
    body: undefined,
    next(pred, timeoutMs = 5000) {
      const found = blocks.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const entry = {
          pred,
          resolve: (b: SseBlock) => {
            clearTimeout(timer);
            resolve(b);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(entry), 1);
          reject(new Error(`timed out waiting for an SSE block; got ${JSON.stringify(blocks.slice(-3))}`));
        }, timeoutMs);
        waiters.push(entry);
      });
    },
    ended: Promise.resolve(),
    abort: () => controller.abort(),
  };
  const type = res.headers.get("content-type") ?? "";
  if (!type.startsWith("text/event-stream")) {
    const text = await res.text();
    reader.body = text ? JSON.parse(text) : undefined;
    return reader;
  }
  reader.ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        buffer = parseBlocks(
          buffer,
          (b) => {
            blocks.push(b);
            for (const w of [...waiters]) {
              if (w.pred(b)) {
                waiters.splice(waiters.indexOf(w), 1);
                w.resolve(b);
              }
            }
          },
          (c) => comments.push(c),
        );
      }
    } catch (err) {
      if ((err as Error).name !== "AbortError") throw err;
    }
  })();
  return reader;
}

/** Whether a block is the terminal event of a run. */
export const isTerminal = (b: SseBlock) => b.json?.type === "RUN_FINISHED" || b.json?.type === "RUN_ERROR";
