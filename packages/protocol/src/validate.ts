/**
 * Validators for the server side (and tests). Kept out of the main entry so that the
 * browser client never bundles zod.
 * @module
 */

import type { BaseEvent, RunAgentInput } from "@ag-ui/core";
import { EventSchemas, RunAgentInputSchema } from "@ag-ui/core/schemas";
import { z } from "zod";
import { CLIENT_FRAME_TYPES, type ClientFrame, type ClientFrameType } from "./frames.js";
import { ID_RULE, idProblem } from "./ids.js";
import { exceedsJsonDepth, MAX_JSON_DEPTH } from "./json-depth.js";

const id = z.string().refine((v) => idProblem(v) === undefined, { message: `must be ${ID_RULE}` });

/**
 * The ids inside a RunAgentInput that the server stores, routes by or echoes (AG-UI's schema
 * accepts any string): the first one breaking the id rule, as "path: problem".
 */
export function inputIdProblem(input: RunAgentInput): string | undefined {
  const check = (path: string, v: unknown) => {
    const p = idProblem(v);
    return p ? `${path} ${p}` : undefined;
  };
  const top =
    check("input.threadId", input.threadId) ??
    check("input.runId", input.runId) ??
    (input.parentRunId !== undefined ? check("input.parentRunId", input.parentRunId) : undefined);
  if (top) return top;
  for (const [i, m] of (input.messages ?? []).entries()) {
    const msg = m as { id?: unknown; toolCallId?: unknown; toolCalls?: { id?: unknown }[] };
    const bad =
      check(`input.messages.${i}.id`, msg.id) ??
      (msg.toolCallId !== undefined ? check(`input.messages.${i}.toolCallId`, msg.toolCallId) : undefined);
    if (bad) return bad;
    for (const [j, c] of (msg.toolCalls ?? []).entries()) {
      const badCall = check(`input.messages.${i}.toolCalls.${j}.id`, c?.id);
      if (badCall) return badCall;
    }
  }
  return undefined;
}

/** zod schemas for every client → server frame, keyed by `type`. */
export const ClientFrameSchemas = {
  auth: z.object({ type: z.literal("auth"), token: z.string().min(1).max(16_384) }),
  options: z.object({ type: z.literal("options"), mergeMs: z.number().int().min(0).max(60_000).optional() }),
  run: z.object({
    type: z.literal("run"),
    id,
    agent: z.string().min(1).max(256),
    input: RunAgentInputSchema,
    traceparent: z.string().max(512).optional(),
    tracestate: z.string().max(512).optional(),
  }),
  resume: z.object({
    type: z.literal("resume"),
    runId: id,
    after: z.number().int().min(0),
    id: id.optional(),
  }),
  cancel: z.object({ type: z.literal("cancel"), runId: id, id: id.optional() }),
  join: z.object({
    type: z.literal("join"),
    threadId: id,
    id: id.optional(),
    runId: id.optional(),
    after: z.number().int().min(0).optional(),
  }),
  leave: z.object({ type: z.literal("leave"), threadId: id, id: id.optional() }),
  ping: z.object({ type: z.literal("ping"), ts: z.number().optional() }),
  pong: z.object({ type: z.literal("pong"), ts: z.number().optional() }),
} as const;

export { exceedsJsonDepth, MAX_JSON_DEPTH } from "./json-depth.js";
export { RunAgentInputSchema };

/** What `parseClientFrame` made of a text frame. */
export type ParsedClientFrame =
  | { ok: true; frame: ClientFrame }
  /** Not JSON, not an object with a string `type`, or an unknown type: close with 1007. */
  | { ok: false; fatal: true; message: string }
  /** A known type with an invalid body: answer `error` code `bad_request`, keep the socket. */
  | { ok: false; fatal: false; type: ClientFrameType; message: string; id?: string };

/** Formats zod issues as one short line a developer can act on. */
export function describeIssues(error: z.ZodError, prefix = ""): string {
  return error.issues
    .slice(0, 3)
    .map((i) => {
      const path = [prefix, ...i.path.map(String)].filter(Boolean).join(".");
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join("; ");
}

/**
 * Parses and validates one inbound text frame.
 * @example
 * const r = parseClientFrame(text);
 * if (!r.ok && r.fatal) socket.close(1007, r.message);
 */
export function parseClientFrame(text: string): ParsedClientFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, fatal: true, message: "Frame is not valid JSON" };
  }
  // Before anything else reads the value (zod included): see json-depth.ts for why.
  if (exceedsJsonDepth(value)) return refuseTooDeep(value);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, fatal: true, message: "Frame must be a JSON object with a string 'type'" };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== "string" || !(CLIENT_FRAME_TYPES as readonly string[]).includes(type)) {
    return {
      ok: false,
      fatal: true,
      message: `Unknown frame type ${JSON.stringify(type)}; expected one of ${CLIENT_FRAME_TYPES.join(", ")}`,
    };
  }
  const schema = ClientFrameSchemas[type as ClientFrameType];
  const result = schema.safeParse(value);
  const rawId = (value as { id?: unknown }).id;
  if (result.success) {
    const frame = result.data as ClientFrame;
    const bad = frame.type === "run" ? inputIdProblem(frame.input) : undefined;
    if (!bad) return { ok: true, frame };
    return {
      ok: false,
      fatal: false,
      type: "run",
      message: `Invalid 'run' frame: ${bad}`,
      id: (frame as { id: string }).id,
    };
  }
  return {
    ok: false,
    fatal: false,
    type: type as ClientFrameType,
    message: `Invalid '${type}' frame: ${describeIssues(result.error)}`,
    ...(typeof rawId === "string" && idProblem(rawId) === undefined ? { id: rawId } : {}),
  };
}

/**
 * A frame nesting past MAX_JSON_DEPTH: only its top-level `type` and `id` are read (so the
 * client can tell which request failed); the value itself goes no further.
 */
function refuseTooDeep(value: unknown): ParsedClientFrame {
  const message = `Frame nests arrays/objects deeper than ${MAX_JSON_DEPTH} levels; flatten the state or message`;
  const f = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  const type = f.type;
  if (typeof type !== "string" || !(CLIENT_FRAME_TYPES as readonly string[]).includes(type)) {
    return { ok: false, fatal: true, message };
  }
  return {
    ok: false,
    fatal: false,
    type: type as ClientFrameType,
    message,
    ...(typeof f.id === "string" && idProblem(f.id) === undefined ? { id: f.id } : {}),
  };
}

/** Validates an AG-UI RunAgentInput (for HTTP bodies). */
export function parseRunAgentInput(
  value: unknown,
): { ok: true; input: RunAgentInput } | { ok: false; message: string } {
  const r = RunAgentInputSchema.safeParse(value);
  if (!r.success) return { ok: false, message: `Invalid RunAgentInput: ${describeIssues(r.error)}` };
  const bad = inputIdProblem(r.data as RunAgentInput);
  return bad
    ? { ok: false, message: `Invalid RunAgentInput: ${bad}` }
    : { ok: true, input: r.data as RunAgentInput };
}

/**
 * Validates one AG-UI event against `EventSchemas`. Text and tool-argument deltas, which
 * are most of a stream, take a structural fast path equivalent to their schema.
 */
export function validateEvent(
  event: unknown,
): { ok: true; event: BaseEvent } | { ok: false; message: string } {
  if (typeof event === "object" && event !== null) {
    const e = event as Record<string, unknown>;
    if (
      e.type === "TEXT_MESSAGE_CONTENT" &&
      typeof e.messageId === "string" &&
      typeof e.delta === "string" &&
      e.delta.length > 0 &&
      Object.keys(e).length <= 3
    ) {
      return { ok: true, event: e as unknown as BaseEvent };
    }
    if (
      e.type === "TOOL_CALL_ARGS" &&
      typeof e.toolCallId === "string" &&
      typeof e.delta === "string" &&
      Object.keys(e).length <= 3
    ) {
      return { ok: true, event: e as unknown as BaseEvent };
    }
  }
  const r = EventSchemas.safeParse(event);
  if (r.success) return { ok: true, event: r.data as BaseEvent };
  const type = (event as { type?: unknown } | null)?.type;
  return { ok: false, message: `Invalid AG-UI event ${JSON.stringify(type)}: ${describeIssues(r.error)}` };
}
