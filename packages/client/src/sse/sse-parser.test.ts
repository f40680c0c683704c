import { describe, expect, it } from "vitest";
import { createSseParser, type SseMessage } from "./sse-parser.js";

function parse(chunks: string[]): SseMessage[] {
  const out: SseMessage[] = [];
  const feed = createSseParser((m) => out.push(m));
  for (const c of chunks) feed(c);
  return out;
}

describe("createSseParser", () => {
  it("parses id, event and multi-line data, and ignores comments", () => {
    expect(parse([': ping\n\nid: 3\ndata: {"a":1}\n\nevent: error\ndata: x\ndata: y\n\n'])).toEqual([
      { id: "3", event: "message", data: '{"a":1}' },
      { id: undefined, event: "error", data: "x\ny" },
    ]);
  });

  it("handles chunks split anywhere, including inside CRLF", () => {
    const text = "id: 1\r\ndata: hello\r\n\r\nid: 2\rdata: world\r\r";
    for (let cut = 1; cut < text.length; cut++) {
      expect(parse([text.slice(0, cut), text.slice(cut)])).toEqual([
        { id: "1", event: "message", data: "hello" },
        { id: "2", event: "message", data: "world" },
      ]);
    }
  });

  it("dispatches nothing for a block without data and keeps an unterminated block pending", () => {
    expect(parse(["id: 5\n\n", "data: partial"])).toEqual([]);
  });
});
