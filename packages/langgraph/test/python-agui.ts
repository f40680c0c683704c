/**
 * A local stand-in for an agent served with the official AG-UI Python SDK (`ag-ui-protocol`
 * 0.1.20, `ag_ui/core/types.py`, `ag_ui/core/events.py`, `ag_ui/encoder/encoder.py`), as strict
 * as the real one on both sides of the wire:
 *
 * - the request body is validated like FastAPI validates a `RunAgentInput` parameter: every
 *   field pydantic requires must be present under its camelCase alias (`threadId`, `runId`,
 *   `state`, `messages`, `tools`, `context`, `forwardedProps`), messages are a union
 *   discriminated by `role` with each role's required fields; a bad body gets FastAPI's 422
 *   `{"detail":[{type,loc,msg,input}]}`.
 * - events go out in `EventEncoder`'s exact bytes: `data: <model_dump_json(by_alias=True)>\n\n`,
 *   compact JSON, camelCase keys in the model's field order (`type` first), fields without a
 *   value left out, defaults (`role: "assistant"` on TEXT_MESSAGE_START) written out.
 *
 * The schemas are written from the Python models' fields, not derived from AG-UI's TypeScript
 * schemas, so a field the TypeScript side treats as optional but Python requires shows up here.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";

// ----------------------------------------------------------------- ag_ui/core/types.py

/** `Any` in pydantic: any JSON value, null included, but the key must be there when required. */
const anyRequired = z.custom<unknown>((v) => v !== undefined, { message: "Field required" });
const optionalStr = z.string().nullish();
const metadata = z.record(z.string(), z.unknown()).nullish();

const functionCall = z.looseObject({ name: z.string(), arguments: z.string() });
const toolCall = z.looseObject({
  id: z.string(),
  type: z.literal("function").optional(),
  function: functionCall,
  encryptedValue: optionalStr,
  metadata,
});
const base = { id: z.string(), name: optionalStr, encryptedValue: optionalStr, metadata };
const source = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("data"), value: z.string(), mimeType: z.string() }),
  z.looseObject({ type: z.literal("url"), value: z.string(), mimeType: optionalStr }),
]);
const media = (type: string) =>
  z.looseObject({ type: z.literal(type), source, metadata: z.unknown().optional() });
const inputContent = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("text"), text: z.string() }),
  media("image"),
  media("audio"),
  media("video"),
  media("document"),
  z.looseObject({
    type: z.literal("binary"),
    mimeType: z.string(),
    id: optionalStr,
    url: optionalStr,
    data: optionalStr,
    filename: optionalStr,
  }),
]);

/** `Message`: `Annotated[Union[...], Field(discriminator="role")]`. */
export const PyMessage = z.discriminatedUnion("role", [
  z.looseObject({ ...base, role: z.literal("developer"), content: z.string() }),
  z.looseObject({ ...base, role: z.literal("system"), content: z.string() }),
  z.looseObject({
    ...base,
    role: z.literal("assistant"),
    content: optionalStr,
    toolCalls: z.array(toolCall).nullish(),
  }),
  z.looseObject({ ...base, role: z.literal("user"), content: z.union([z.string(), z.array(inputContent)]) }),
  z.looseObject({
    id: z.string(),
    role: z.literal("tool"),
    content: z.string(),
    toolCallId: z.string(),
    error: optionalStr,
    encryptedValue: optionalStr,
    metadata,
  }),
  z.looseObject({
    id: z.string(),
    role: z.literal("activity"),
    activityType: z.string(),
    content: z.record(z.string(), z.unknown()),
    metadata,
  }),
  z.looseObject({
    id: z.string(),
    role: z.literal("reasoning"),
    content: z.string(),
    encryptedValue: optionalStr,
    metadata,
  }),
]);

/** `RunAgentInput` of `ag_ui.core` 0.1.20: all of these are required except `parentRunId`/`resume`. */
export const PyRunAgentInput = z.looseObject({
  threadId: z.string(),
  runId: z.string(),
  parentRunId: optionalStr,
  state: anyRequired,
  messages: z.array(PyMessage),
  tools: z.array(
    z.looseObject({ name: z.string(), description: z.string(), parameters: z.unknown().optional() }),
  ),
  context: z.array(z.looseObject({ description: z.string(), value: z.string() })),
  forwardedProps: anyRequired,
  resume: z
    .array(
      z.looseObject({
        interruptId: z.string(),
        status: z.enum(["resolved", "cancelled"]),
        payload: z.unknown().optional(),
        metadata,
      }),
    )
    .nullish(),
});

/** The RunAgentInput a valid body parses to. */
export type PyRunAgentInput = z.infer<typeof PyRunAgentInput>;

/** FastAPI's 422 body for a request body that failed validation. */
export function fastApiValidationError(error: z.ZodError): { detail: object[] } {
  return {
    detail: error.issues.map((issue) => {
      const missing = issue.code === "invalid_type" && issue.message.includes("undefined");
      const custom = issue.code === "custom" && issue.message === "Field required";
      return {
        type: missing || custom ? "missing" : issue.code,
        loc: ["body", ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))],
        msg: missing || custom ? "Field required" : issue.message,
        input: null,
      };
    }),
  };
}

// ----------------------------------------------------------------- ag_ui/core/events.py

/**
 * Each event class's fields as pydantic serializes them: BaseEvent's (`type`, `timestamp`,
 * `rawEvent`) first, then the class's own in declaration order; `[name, default]` where
 * the field has a non-None default that pydantic writes out.
 */
const FIELDS: Record<string, (string | [string, unknown])[]> = {
  RUN_STARTED: ["threadId", "runId", "parentRunId", "input"],
  RUN_FINISHED: ["threadId", "runId", "result", "outcome", "usage"],
  RUN_ERROR: ["message", "code", "usage"],
  STEP_STARTED: ["stepName"],
  STEP_FINISHED: ["stepName"],
  TEXT_MESSAGE_START: ["messageId", ["role", "assistant"], "name"],
  TEXT_MESSAGE_CONTENT: ["messageId", "delta"],
  TEXT_MESSAGE_END: ["messageId"],
  TOOL_CALL_START: ["toolCallId", "toolCallName", "parentMessageId"],
  TOOL_CALL_ARGS: ["toolCallId", "delta"],
  TOOL_CALL_END: ["toolCallId"],
  // Declared `message_id` before `type`, but an overridden field keeps the base's position.
  TOOL_CALL_RESULT: ["messageId", "toolCallId", "content", "role"],
  STATE_SNAPSHOT: ["snapshot"],
  STATE_DELTA: ["delta"],
  MESSAGES_SNAPSHOT: ["messages"],
  CUSTOM: ["name", "value"],
};

/**
 * One event as `EventEncoder().encode(event)` writes it.
 * @example
 * pythonSse({ type: "TEXT_MESSAGE_START", messageId: "m1" })
 * // 'data: {"type":"TEXT_MESSAGE_START","messageId":"m1","role":"assistant"}\n\n'
 */
export function pythonSse(event: { type: string } & Record<string, unknown>): string {
  const fields = FIELDS[event.type];
  if (!fields) throw new Error(`python-agui: no model for ${event.type} in this stand-in`);
  const out: Record<string, unknown> = { type: event.type };
  for (const key of ["timestamp", "rawEvent"]) if (event[key] != null) out[key] = event[key];
  for (const field of fields) {
    const [key, fallback] = Array.isArray(field) ? field : [field, undefined];
    const value = event[key] ?? fallback;
    if (value != null) out[key] = value;
  }
  const unknown = Object.keys(event).filter((k) => !(k in out) && event[k] != null);
  if (unknown.length > 0) throw new Error(`python-agui: ${event.type} has no field ${unknown.join(", ")}`);
  return `data: ${JSON.stringify(out)}\n\n`;
}

// ----------------------------------------------------------------- the FastAPI endpoint

/** What the endpoint saw of one request. */
export interface PyRequest {
  headers: IncomingMessage["headers"];
  /** The body as sent (before validation). */
  raw: unknown;
  /** Resolves when the client closed the connection (cancel reaches Python as a disconnect). */
  closed: Promise<void>;
}

/** Writes events to the open stream in the encoder's format. */
export interface PyStream {
  send(event: { type: string } & Record<string, unknown>): void;
  end(): void;
}

/** A running stand-in. */
export interface PythonEndpoint {
  url: string;
  requests: PyRequest[];
  close(): Promise<void>;
}

/**
 * Serves `POST /agent` like `add_langgraph_fastapi_endpoint` / a FastAPI route taking
 * `input_data: RunAgentInput`: 422 for a body the model rejects, else `text/event-stream`
 * written by `run`.
 */
export async function startPythonEndpoint(
  run: (input: PyRunAgentInput, stream: PyStream, req: PyRequest) => void | Promise<void>,
): Promise<PythonEndpoint> {
  const requests: PyRequest[] = [];
  const server: Server = createServer(async (req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let raw: unknown;
    try {
      raw = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      res.writeHead(422, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ detail: [{ type: "json_invalid", loc: ["body"], msg: "JSON decode error" }] }),
      );
      return;
    }
    const seen: PyRequest = {
      headers: req.headers,
      raw,
      closed: new Promise((resolve) => res.on("close", () => resolve())),
    };
    requests.push(seen);
    const parsed = PyRunAgentInput.safeParse(raw);
    if (!parsed.success) {
      res.writeHead(422, { "content-type": "application/json" });
      res.end(JSON.stringify(fastApiValidationError(parsed.error)));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
    await run(
      parsed.data,
      {
        send: (event) => {
          if (!res.destroyed) res.write(pythonSse(event));
        },
        end: () => res.end(),
      },
      seen,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/agent`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
