/**
 * Local HTTP servers that answer like OpenAI's Chat Completions and Anthropic's
 * Messages APIs do when streaming: the same paths, headers and SSE framing, the same
 * chunk shapes for text and tool calls. Each call plays the next scripted turn and
 * the request is recorded for assertions.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ProviderTurn {
  text?: string[];
  toolCalls?: Array<{ id: string; name: string; args: string[] }>;
  /** Answer with this HTTP status and an error body instead of a stream. */
  status?: number;
  /** Pause this long before each streamed chunk. */
  delayMs?: number;
}

export interface RecordedRequest {
  path: string;
  headers: IncomingMessage["headers"];
  body: any;
}

export interface ProviderServer {
  url: string;
  requests: RecordedRequest[];
  /** How many requests the client closed before the stream ended (a cancelled model call). */
  aborted: number;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : undefined;
}

function sse(res: ServerResponse): void {
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse, body: any) => Promise<void>,
  requests: RecordedRequest[],
): Promise<ProviderServer> {
  const state = { aborted: 0 };
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    requests.push({ path: req.url ?? "", headers: req.headers, body });
    res.on("close", () => {
      if (!res.writableFinished) state.aborted += 1;
    });
    await handler(req, res, body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get aborted() {
      return state.aborted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An OpenAI-compatible `/v1/chat/completions` server streaming `chat.completion.chunk` SSE. */
export function startOpenAIServer(turns: ProviderTurn[]): Promise<ProviderServer> {
  const queue = [...turns];
  let n = 0;
  return listen(async (req, res, body) => {
    const turn = queue.shift();
    if (req.url !== "/v1/chat/completions" || !turn) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "no scripted turn", type: "invalid_request_error" } }));
      return;
    }
    if (turn.status) {
      res.writeHead(turn.status, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          error: {
            message: "Incorrect API key provided",
            type: "invalid_request_error",
            code: "invalid_api_key",
          },
        }),
      );
      return;
    }
    n += 1;
    const base = {
      id: `chatcmpl-${n}`,
      object: "chat.completion.chunk",
      created: 1_700_000_000,
      model: body.model,
      system_fingerprint: "fp_test",
    };
    const send = async (delta: object, finish: string | null = null) => {
      if (turn.delayMs) await pause(turn.delayMs);
      if (res.destroyed) return;
      const choices = [{ index: 0, delta, logprobs: null, finish_reason: finish }];
      res.write(`data: ${JSON.stringify({ ...base, choices })}\n\n`);
    };
    sse(res);
    await send({ role: "assistant", content: "" });
    for (const text of turn.text ?? []) await send({ content: text });
    for (const [index, call] of (turn.toolCalls ?? []).entries()) {
      const first = { index, id: call.id, type: "function", function: { name: call.name, arguments: "" } };
      await send({ tool_calls: [first] });
      for (const args of call.args) await send({ tool_calls: [{ index, function: { arguments: args } }] });
    }
    await send({}, turn.toolCalls?.length ? "tool_calls" : "stop");
    if (res.destroyed) return;
    if (body.stream_options?.include_usage) {
      res.write(
        `data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 } })}\n\n`,
      );
    }
    res.end("data: [DONE]\n\n");
  }, []);
}

/** An Anthropic `/v1/messages` server streaming Messages API SSE events. */
export function startAnthropicServer(turns: ProviderTurn[]): Promise<ProviderServer> {
  const queue = [...turns];
  let n = 0;
  return listen(async (req, res, body) => {
    const turn = queue.shift();
    if (req.url !== "/v1/messages" || !turn) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ type: "error", error: { type: "not_found_error", message: "no scripted turn" } }),
      );
      return;
    }
    if (turn.status) {
      res.writeHead(turn.status, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          type: "error",
          error: { type: "authentication_error", message: "invalid x-api-key" },
        }),
      );
      return;
    }
    n += 1;
    const event = (type: string, data: object) =>
      res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    sse(res);
    event("message_start", {
      message: {
        id: `msg_${n}`,
        type: "message",
        role: "assistant",
        model: body.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 25, output_tokens: 1 },
      },
    });
    let index = 0;
    if (turn.text?.length) {
      event("content_block_start", { index, content_block: { type: "text", text: "" } });
      event("ping", {});
      for (const text of turn.text)
        event("content_block_delta", { index, delta: { type: "text_delta", text } });
      event("content_block_stop", { index });
      index += 1;
    }
    for (const call of turn.toolCalls ?? []) {
      event("content_block_start", {
        index,
        content_block: { type: "tool_use", id: call.id, name: call.name, input: {} },
      });
      for (const partial of call.args) {
        event("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: partial } });
      }
      event("content_block_stop", { index });
      index += 1;
    }
    event("message_delta", {
      delta: { stop_reason: turn.toolCalls?.length ? "tool_use" : "end_turn", stop_sequence: null },
      usage: { output_tokens: 15 },
    });
    event("message_stop", {});
    res.end();
  }, []);
}
