/**
 * An incremental parser for `text/event-stream` (the WHATWG rules: LF, CR or CRLF line ends,
 * `field: value` lines, blank line dispatch, comments ignored). Fed decoded text chunks as they
 * arrive; chunk boundaries may fall anywhere, even inside a CRLF.
 * @module
 */

/** One dispatched event. */
export interface SseMessage {
  /** The `id:` field, if the block had one. */
  id: string | undefined;
  /** The `event:` field; `"message"` when absent. */
  event: string;
  /** The `data:` lines joined with "\n". */
  data: string;
}

/** Calls `onMessage` for each complete event in the text fed to the returned function. */
export function createSseParser(onMessage: (message: SseMessage) => void): (chunk: string) => void {
  let buffer = "";
  let id: string | undefined;
  let event = "";
  let data: string[] = [];
  let pendingCr = false;

  const line = (text: string) => {
    if (text === "") {
      if (data.length > 0) onMessage({ id, event: event || "message", data: data.join("\n") });
      id = undefined;
      event = "";
      data = [];
      return;
    }
    if (text.charCodeAt(0) === 58 /* ":" */) return;
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? "" : text.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* " " */) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
    else if (field === "id" && !value.includes("\0")) id = value;
  };

  return (chunk) => {
    let text = chunk;
    // A CR ending the previous chunk already ended a line; a LF right after it is not another.
    if (pendingCr && text.charCodeAt(0) === 10) text = text.slice(1);
    pendingCr = false;
    buffer += text;
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      line(buffer.slice(start, i));
      if (c === 13) {
        if (i + 1 === buffer.length) pendingCr = true;
        else if (buffer.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    buffer = buffer.slice(start);
  };
}
