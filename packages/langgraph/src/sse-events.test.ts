import { describe, expect, it } from "vitest";
import { RemoteAgentError } from "./errors.js";
import { SseParser } from "./sse-events.js";

function parseAll(chunks: string[], max = 1024) {
  const parser = new SseParser(max);
  return [...chunks.flatMap((c) => parser.feed(c)), ...parser.end()];
}

describe("SseParser", () => {
  it("parses events ended by a blank line with LF, CRLF or CR line ends", () => {
    const text = 'data: {"a":1}\n\ndata: {"b":2}\r\n\r\ndata: {"c":3}\r\r';
    expect(parseAll([text]).map((m) => m.data)).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it("reassembles an event split at every character, including between CR and LF", () => {
    const text = "event: x\r\ndata: hello\r\n\r\n";
    expect(parseAll([...text])).toEqual([{ event: "x", data: "hello" }]);
  });

  it("joins multi-line data, skips comments and events without data, strips a BOM", () => {
    const text = "\uFEFF: keep-alive\n\nid: 7\ndata: line one\ndata:line two\n\nevent: ping\n\n";
    expect(parseAll([text])).toEqual([{ id: "7", data: "line one\nline two" }]);
  });

  it("does not dispatch an event until its blank line arrives", () => {
    const parser = new SseParser(1024);
    expect(parser.feed("data: partial\n")).toEqual([]);
    expect(parser.feed("\n")).toEqual([{ data: "partial" }]);
  });

  it("refuses an event that grows past the cap, whether in one line or many", () => {
    expect(() => parseAll([`data: ${"x".repeat(100)}`], 64)).toThrow(RemoteAgentError);
    const parser = new SseParser(64);
    expect(() => {
      for (let i = 0; i < 10; i++) parser.feed("data: 0123456789\n");
    }).toThrow(/maxEventBytes/);
  });
});
