import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { collect, runInput, testContext, types } from "../test/harness.js";
import { pythonSse, startPythonEndpoint } from "../test/python-agui.js";
import { RemoteAgentError } from "./errors.js";
import { RemoteAgent } from "./remote-agent.js";

interface Seen {
  headers: IncomingMessage["headers"];
  body: any;
  closed: Promise<void>;
}

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A local AG-UI endpoint: POST RunAgentInput, answered by `respond`. */
async function startEndpoint(respond: (res: ServerResponse, body: any) => void | Promise<void>) {
  const seen: Seen[] = [];
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    seen.push({
      headers: req.headers,
      body,
      closed: new Promise((resolve) => res.on("close", () => resolve())),
    });
    await respond(res, body);
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/agent`;
  return { url, seen };
}

const sse = (res: ServerResponse) => res.writeHead(200, { "content-type": "text/event-stream" });
const frame = (event: object) => `data: ${JSON.stringify(event)}\n\n`;

/** What ag-ui-langgraph streams for a short answer. */
function pythonStyleRun(body: any): object[] {
  return [
    { type: "RUN_STARTED", threadId: body.threadId, runId: "remote-run-id" },
    { type: "STEP_STARTED", stepName: "chat_node" },
    { type: "TEXT_MESSAGE_START", messageId: "m1", role: "assistant" },
    { type: "TEXT_MESSAGE_CONTENT", messageId: "m1", delta: "Hello" },
    { type: "TEXT_MESSAGE_CONTENT", messageId: "m1", delta: " from Python" },
    { type: "TEXT_MESSAGE_END", messageId: "m1" },
    { type: "STEP_FINISHED", stepName: "chat_node" },
    { type: "RUN_FINISHED", threadId: body.threadId, runId: "remote-run-id" },
  ];
}

describe("RemoteAgent", () => {
  it("forwards the run with its headers and relays the event stream", async () => {
    const { url, seen } = await startEndpoint((res, body) => {
      sse(res);
      // Keep-alive comments and an event split across writes, as proxies deliver them.
      res.write(": ping\n\n");
      const text = pythonStyleRun(body).map(frame).join("");
      res.write(text.slice(0, 37));
      res.end(text.slice(37));
    });
    const agent = new RemoteAgent({
      name: "py",
      description: "python",
      url,
      headers: (_input, ctx) => ({ authorization: "Bearer agents-token", "x-user": ctx.principal.id }),
    });
    const input = runInput({ messages: [{ id: "u1", role: "user", content: "hi" }] });
    const events = await collect(agent, input);

    expect(types(events)).toEqual(pythonStyleRun(input).map((e: any) => e.type));
    // Lifecycle events carry our run's ids, whatever the remote echoed.
    expect(events.at(-1)).toEqual({ type: "RUN_FINISHED", threadId: input.threadId, runId: input.runId });
    expect(seen[0]?.headers.authorization).toBe("Bearer agents-token");
    expect(seen[0]?.headers["x-user"]).toBe("user-1");
    expect(seen[0]?.headers.accept).toBe("text/event-stream");
    expect(seen[0]?.body).toEqual(input);
  });

  it("stops reading at RUN_FINISHED", async () => {
    const { url } = await startEndpoint((res, body) => {
      sse(res);
      res.write(frame({ type: "RUN_STARTED", threadId: body.threadId, runId: body.runId }));
      res.write(frame({ type: "RUN_FINISHED", threadId: body.threadId, runId: body.runId }));
      res.end(frame({ type: "TEXT_MESSAGE_START", messageId: "late" }));
    });
    const events = await collect(new RemoteAgent({ name: "r", description: "r", url }), runInput());
    expect(types(events)).toEqual(["RUN_STARTED", "RUN_FINISHED"]);
  });

  it("closes what the remote left open before relaying its RUN_ERROR", async () => {
    const { url } = await startEndpoint((res, body) => {
      sse(res);
      res.write(frame({ type: "RUN_STARTED", threadId: body.threadId, runId: body.runId }));
      res.write(frame({ type: "TEXT_MESSAGE_START", messageId: "m1", role: "assistant" }));
      res.write(frame({ type: "TEXT_MESSAGE_CONTENT", messageId: "m1", delta: "Partial" }));
      res.end(frame({ type: "RUN_ERROR", message: "model overloaded", code: "overloaded" }));
    });
    const events = await collect(new RemoteAgent({ name: "r", description: "r", url }), runInput());
    expect(types(events).slice(-2)).toEqual(["TEXT_MESSAGE_END", "RUN_ERROR"]);
    expect(events.at(-1)).toMatchObject({ message: "model overloaded", code: "overloaded" });
  });

  it("throws remote_http_error with the status and no credentials in the message", async () => {
    const { url } = await startEndpoint((res) => {
      res.writeHead(401, { "content-type": "application/json" });
      res.end('{"detail":"invalid token"}');
    });
    const agent = new RemoteAgent({
      name: "r",
      description: "r",
      url: `${url}?key=secret-q`,
      headers: { authorization: "Bearer secret-h" },
    });
    const error = await collect(agent, runInput()).catch((e) => e);
    expect(error).toBeInstanceOf(RemoteAgentError);
    expect(error).toMatchObject({ code: "remote_http_error", status: 401 });
    expect(error.message).toContain("HTTP 401");
    expect(error.message).toContain("invalid token");
    expect(error.message).not.toMatch(/secret-q|secret-h/);
  });

  it("throws remote_bad_response when the endpoint does not stream SSE", async () => {
    const { url } = await startEndpoint((res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html>login</html>");
    });
    const error = await collect(new RemoteAgent({ name: "r", description: "r", url }), runInput()).catch(
      (e) => e,
    );
    expect(error).toMatchObject({ code: "remote_bad_response" });
  });

  it("throws remote_unreachable when nothing listens", async () => {
    const { url } = await startEndpoint(() => {});
    server!.close();
    server!.closeAllConnections();
    server = undefined;
    const error = await collect(new RemoteAgent({ name: "r", description: "r", url }), runInput()).catch(
      (e) => e,
    );
    expect(error).toMatchObject({ code: "remote_unreachable" });
    expect(error.message).toContain("ECONNREFUSED");
  });

  it("throws remote_incomplete when the stream ends before the run does", async () => {
    const { url } = await startEndpoint((res, body) => {
      sse(res);
      res.end(frame({ type: "RUN_STARTED", threadId: body.threadId, runId: body.runId }));
    });
    const error = await collect(new RemoteAgent({ name: "r", description: "r", url }), runInput()).catch(
      (e) => e,
    );
    expect(error).toMatchObject({ code: "remote_incomplete" });
  });

  it("throws remote_incomplete when the remote goes silent past idleTimeoutMs", async () => {
    const { url } = await startEndpoint((res, body) => {
      sse(res);
      res.write(frame({ type: "RUN_STARTED", threadId: body.threadId, runId: body.runId }));
    });
    const agent = new RemoteAgent({ name: "r", description: "r", url, idleTimeoutMs: 100 });
    const error = await collect(agent, runInput()).catch((e) => e);
    expect(error).toMatchObject({ code: "remote_incomplete" });
    expect(error.message).toContain("idleTimeoutMs");
  });

  it("throws remote_bad_event for an event that is not JSON", async () => {
    const { url } = await startEndpoint((res) => {
      sse(res);
      res.end("data: not json\n\n");
    });
    const bad = await collect(new RemoteAgent({ name: "r", description: "r", url }), runInput()).catch(
      (e) => e,
    );
    expect(bad).toMatchObject({ code: "remote_bad_event" });
  });

  it("throws remote_bad_event for an event over maxEventBytes, even one that arrives whole", async () => {
    const { url: url2 } = await startEndpoint((res, body) => {
      sse(res);
      res.write(frame({ type: "RUN_STARTED", threadId: body.threadId, runId: body.runId }));
      res.end(frame({ type: "STATE_SNAPSHOT", snapshot: { blob: "x".repeat(5000) } }));
    });
    const agent = new RemoteAgent({ name: "r", description: "r", url: url2, maxEventBytes: 1000 });
    const big = await collect(agent, runInput()).catch((e) => e);
    expect(big).toMatchObject({ code: "remote_bad_event" });
  });

  it("strips a UTF-8 BOM that arrives split across writes, and reads CR-only line ends", async () => {
    const { url } = await startEndpoint(async (res, body) => {
      sse(res);
      const text = pythonStyleRun(body)
        .map((e) => `data: ${JSON.stringify(e)}\r\r`)
        .join("");
      const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
      // One byte per write, each flushed before the next: the BOM and every CR land alone.
      for (let i = 0; i < 40; i++)
        await new Promise((resolve) => res.write(bytes.subarray(i, i + 1), resolve));
      res.end(bytes.subarray(40));
    });
    const events = await collect(new RemoteAgent({ name: "r", description: "r", url }), runInput());
    expect(types(events)).toEqual([
      "RUN_STARTED",
      "STEP_STARTED",
      "TEXT_MESSAGE_START",
      "TEXT_MESSAGE_CONTENT",
      "TEXT_MESSAGE_CONTENT",
      "TEXT_MESSAGE_END",
      "STEP_FINISHED",
      "RUN_FINISHED",
    ]);
  });

  it("throws remote_bad_event as soon as a streaming event grows past maxEventBytes, before it ends", async () => {
    const { url } = await startEndpoint(async (res, body) => {
      sse(res);
      res.write(frame({ type: "RUN_STARTED", threadId: body.threadId, runId: body.runId }));
      res.write('data: {"type":"STATE_SNAPSHOT","snapshot":"');
      // Never finished: only the cap can end this run (idleTimeoutMs is far away).
      for (let i = 0; i < 30 && !res.destroyed; i++)
        await new Promise((resolve) => res.write("x".repeat(100), resolve));
    });
    const agent = new RemoteAgent({
      name: "r",
      description: "r",
      url,
      maxEventBytes: 1000,
      idleTimeoutMs: 60_000,
    });
    const error = await collect(agent, runInput()).catch((e) => e);
    expect(error).toBeInstanceOf(RemoteAgentError);
    expect(error).toMatchObject({ code: "remote_bad_event" });
    expect(error.message).toContain("maxEventBytes");
  });

  it("counts the cap per event: comments and events under maxEventBytes never add up", async () => {
    const near = { type: "STATE_SNAPSHOT", snapshot: { blob: "x".repeat(900) } };
    const { url } = await startEndpoint(async (res, body) => {
      sse(res);
      res.write(frame({ type: "RUN_STARTED", threadId: body.threadId, runId: body.runId }));
      for (let i = 0; i < 5; i++) {
        for (let j = 0; j < 40; j++) await new Promise((resolve) => res.write(": keep-alive\n\n", resolve));
        const text = frame(near);
        for (let at = 0; at < text.length; at += 100)
          await new Promise((resolve) => res.write(text.slice(at, at + 100), resolve));
      }
      res.end(frame({ type: "RUN_FINISHED", threadId: body.threadId, runId: body.runId }));
    });
    const agent = new RemoteAgent({ name: "r", description: "r", url, maxEventBytes: 1000 });
    const events = await collect(agent, runInput());
    expect(types(events)).toEqual(["RUN_STARTED", ...Array(5).fill("STATE_SNAPSHOT"), "RUN_FINISHED"]);
  });

  it("on cancel stops quietly and closes the connection so the remote can stop", async () => {
    const { url, seen } = await startEndpoint((res, body) => {
      sse(res);
      res.write(frame({ type: "RUN_STARTED", threadId: body.threadId, runId: body.runId }));
      res.write(frame({ type: "TEXT_MESSAGE_START", messageId: "m1", role: "assistant" }));
      res.write(frame({ type: "TEXT_MESSAGE_CONTENT", messageId: "m1", delta: "tick" }));
      // ...and never finishes on its own.
    });
    const controller = new AbortController();
    const { ctx } = testContext(controller.signal);
    const events = await collect(
      new RemoteAgent({ name: "r", description: "r", url }),
      runInput(),
      ctx,
      (e) => {
        if (e.type === "TEXT_MESSAGE_CONTENT") controller.abort();
      },
    );
    expect(types(events)).toEqual(["RUN_STARTED", "TEXT_MESSAGE_START", "TEXT_MESSAGE_CONTENT"]);
    await seen[0]?.closed;
  });

  describe("against an endpoint as strict as the AG-UI Python SDK", () => {
    let close: (() => Promise<void>) | undefined;
    afterEach(async () => {
      await close?.();
      close = undefined;
    });

    it("the stand-in rejects a body without forwardedProps with FastAPI's 422, as Python does", async () => {
      const py = await startPythonEndpoint(() => {});
      close = py.close;
      const { forwardedProps: _f, state: _s, ...partial } = runInput();
      const response = await fetch(py.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(partial),
      });
      expect(response.status).toBe(422);
      const { detail } = (await response.json()) as { detail: { type: string; loc: string[] }[] };
      expect(detail.map((d) => [d.type, d.loc.join(".")])).toEqual([
        ["missing", "body.state"],
        ["missing", "body.forwardedProps"],
      ]);
    });

    it("sends a complete RunAgentInput when the client left state, tools, context and forwardedProps out", async () => {
      const py = await startPythonEndpoint((input, stream) => {
        stream.send({ type: "RUN_STARTED", threadId: input.threadId, runId: input.runId });
        stream.send({ type: "STATE_SNAPSHOT", snapshot: { seen: input.state } });
        stream.send({ type: "TOOL_CALL_START", toolCallId: "c1", toolCallName: "lookup" });
        stream.send({ type: "TOOL_CALL_ARGS", toolCallId: "c1", delta: '{"fund":"F1"}' });
        stream.send({ type: "TOOL_CALL_END", toolCallId: "c1" });
        stream.send({ type: "TOOL_CALL_RESULT", messageId: "r1", toolCallId: "c1", content: "ok" });
        stream.send({ type: "TEXT_MESSAGE_START", messageId: "m1" });
        stream.send({ type: "TEXT_MESSAGE_CONTENT", messageId: "m1", delta: "Déjà vu ✓" });
        stream.send({ type: "TEXT_MESSAGE_END", messageId: "m1" });
        stream.send({ type: "RUN_FINISHED", threadId: input.threadId, runId: input.runId });
        stream.end();
      });
      close = py.close;
      const {
        state: _s,
        tools: _t,
        context: _c,
        forwardedProps: _f,
        ...partial
      } = runInput({ messages: [{ id: "u1", role: "user", content: "hi" }] });
      const events = await collect(
        new RemoteAgent({ name: "py", description: "py", url: py.url }),
        partial as ReturnType<typeof runInput>,
      );
      expect(py.requests[0]?.raw).toEqual({
        ...partial,
        state: {},
        tools: [],
        context: [],
        forwardedProps: {},
      });
      expect(types(events)).toEqual([
        "RUN_STARTED",
        "STATE_SNAPSHOT",
        "TOOL_CALL_START",
        "TOOL_CALL_ARGS",
        "TOOL_CALL_END",
        "TOOL_CALL_RESULT",
        "TEXT_MESSAGE_START",
        "TEXT_MESSAGE_CONTENT",
        "TEXT_MESSAGE_END",
        "RUN_FINISHED",
      ]);
      expect(events[1]).toEqual({ type: "STATE_SNAPSHOT", snapshot: { seen: {} } });
      expect(events[6]).toEqual({ type: "TEXT_MESSAGE_START", messageId: "m1", role: "assistant" });
      expect(events[7]).toMatchObject({ delta: "Déjà vu ✓" });
    });

    it("keeps what the client did send", async () => {
      const py = await startPythonEndpoint((input, stream) => {
        stream.send({ type: "RUN_STARTED", threadId: input.threadId, runId: input.runId });
        stream.send({ type: "RUN_FINISHED", threadId: input.threadId, runId: input.runId });
        stream.end();
      });
      close = py.close;
      const input = runInput({
        state: { fund: "F1" },
        tools: [{ name: "pick", description: "Pick a fund", parameters: { type: "object" } }],
        context: [{ description: "page", value: "holdings" }],
        forwardedProps: { mode: "fast" },
      });
      await collect(new RemoteAgent({ name: "py", description: "py", url: py.url }), input);
      expect(py.requests[0]?.raw).toEqual(input);
    });

    it("writes events in EventEncoder's bytes (compact, camelCase, model field order, no nulls)", () => {
      // What `EventEncoder().encode(...)` returns for these events in ag-ui-protocol 0.1.20.
      expect(pythonSse({ type: "TEXT_MESSAGE_START", messageId: "m1" })).toBe(
        'data: {"type":"TEXT_MESSAGE_START","messageId":"m1","role":"assistant"}\n\n',
      );
      expect(
        pythonSse({ type: "TOOL_CALL_RESULT", toolCallId: "c1", content: "ok", messageId: "r1", role: null }),
      ).toBe('data: {"type":"TOOL_CALL_RESULT","messageId":"r1","toolCallId":"c1","content":"ok"}\n\n');
      expect(pythonSse({ runId: "r", type: "RUN_FINISHED", threadId: "t", result: null })).toBe(
        'data: {"type":"RUN_FINISHED","threadId":"t","runId":"r"}\n\n',
      );
    });
  });

  it("rejects a url that is not http(s)", () => {
    expect(() => new RemoteAgent({ name: "r", description: "r", url: "file:///etc/passwd" })).toThrow(
      /http\(s\)/,
    );
  });
});
