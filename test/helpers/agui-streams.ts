/**
 * Random AG-UI event streams for property tests: every event is schema-valid AG-UI (the test
 * checks each with `validateEvent`), and together they cover text, reasoning and tool-call
 * messages both explicit (START/CONTENT/END) and as chunks with and without ids (and
 * subagent lanes), tool calls with and without parents, tool results, encrypted values,
 * activities, state snapshots and JSON Patch deltas (some of which do not apply), messages
 * snapshots, and noise (steps, RAW, CUSTOM) interleaved with open chunk streams. A stream ends
 * as the agent finishing, emitting RUN_ERROR, throwing, or waiting to be cancelled.
 */
import type { BaseEvent } from "@ag-ui/core";
import fc from "fast-check";

type Role = "assistant" | "user" | "system" | "developer";
type IdMode = "none" | "new" | "open" | "existing";
type ParentMode = "none" | "last" | "new" | "user";
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface PatchOp {
  op: "add" | "replace" | "remove" | "test" | "move" | "copy";
  path: string;
  from: string;
  value: Json;
}

/** One thing the agent does; `buildEvents` turns steps into events. */
export type Step =
  | { k: "textStart"; role: Role }
  | { k: "textContent"; pick: number; delta: string }
  | { k: "textEnd"; pick: number }
  | { k: "textChunk"; id: IdMode; pick: number; delta?: string; role?: Role; sub: boolean }
  | { k: "toolStart"; parent: ParentMode; name: string }
  | { k: "toolArgs"; pick: number; delta: string }
  | { k: "toolEnd"; pick: number }
  | { k: "toolResult"; pick: number; content: string }
  | {
      k: "toolChunk";
      id: IdMode;
      pick: number;
      name?: string;
      parent: ParentMode;
      delta?: string;
      sub: boolean;
    }
  | { k: "reasoningStart" }
  | { k: "reasoningContent"; pick: number; delta: string }
  | { k: "reasoningEnd"; pick: number }
  | { k: "reasoningChunk"; id: IdMode; pick: number; delta?: string; sub: boolean }
  | { k: "reasoningSpan"; start: boolean }
  | { k: "encrypted"; pick: number; toolCall: boolean; value: string }
  | { k: "stateSnapshot"; value: { [k: string]: Json } }
  | { k: "stateDelta"; ops: PatchOp[] }
  | { k: "messagesSnapshot"; keep: boolean[]; extra: number; activity: boolean }
  | { k: "activity"; pick: number; fresh: boolean; replace?: boolean; content: { [k: string]: Json } }
  | { k: "activityDelta"; pick: number; ops: PatchOp[] }
  | { k: "noise"; which: "step" | "raw" | "custom" | "subagentFinished" };

/** How the run ends. */
export type Ending = "finish" | "errorEvent" | "throw" | "cancel";

/** A generated agent run: the events the agent yields, then how it ends. */
export interface Script {
  steps: Step[];
  events: BaseEvent[];
  ending: Ending;
}

const delta = fc.string({ minLength: 1, maxLength: 6 });
const optDelta = fc.option(fc.string({ maxLength: 6 }), { nil: undefined });
const role = fc.constantFrom<Role>("assistant", "assistant", "user", "system", "developer");
const idMode = fc.constantFrom<IdMode>("none", "none", "new", "open", "open", "existing");
const parentMode = fc.constantFrom<ParentMode>("none", "none", "last", "new", "user");
const pick = fc.nat(20);
/** Subagent lanes: on for about one chunk in five. */
const rarely = fc.constantFrom(false, false, false, false, true);
const json: fc.Arbitrary<Json> = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom("x", "y", true, null),
  fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
  fc.record({ x: fc.integer({ min: 0, max: 3 }) }),
);
const stateObject = fc.dictionary(fc.constantFrom("a", "b", "list", "obj"), json, { maxKeys: 4 });
const paths = fc.constantFrom("/a", "/b", "/list", "/list/0", "/list/-", "/obj", "/obj/x", "/x");
const patchOp: fc.Arbitrary<PatchOp> = fc.record({
  op: fc.constantFrom("add", "add", "replace", "remove", "test", "move", "copy"),
  path: paths,
  from: paths,
  value: json,
});
const ops = fc.array(patchOp, { minLength: 1, maxLength: 3 });

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant("textStart" as const), role }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant("textContent" as const), pick, delta }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("textEnd" as const), pick }) },
  {
    weight: 8,
    arbitrary: fc.record(
      {
        k: fc.constant("textChunk" as const),
        id: idMode,
        pick,
        delta: optDelta,
        role,
        sub: rarely,
      },
      { requiredKeys: ["k", "id", "pick", "sub"] },
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant("toolStart" as const),
      parent: parentMode,
      name: fc.constantFrom("lookup", "search"),
    }),
  },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("toolArgs" as const), pick, delta }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("toolEnd" as const), pick }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("toolResult" as const), pick, content: delta }) },
  {
    weight: 6,
    arbitrary: fc.record(
      {
        k: fc.constant("toolChunk" as const),
        id: idMode,
        pick,
        name: fc.constantFrom("lookup", "search"),
        parent: parentMode,
        delta: optDelta,
        sub: rarely,
      },
      { requiredKeys: ["k", "id", "pick", "parent", "sub"] },
    ),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("reasoningStart" as const) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("reasoningContent" as const), pick, delta }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("reasoningEnd" as const), pick }) },
  {
    weight: 3,
    arbitrary: fc.record(
      { k: fc.constant("reasoningChunk" as const), id: idMode, pick, delta: optDelta, sub: rarely },
      { requiredKeys: ["k", "id", "pick", "sub"] },
    ),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("reasoningSpan" as const), start: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("encrypted" as const),
      pick,
      toolCall: fc.boolean(),
      value: delta,
    }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("stateSnapshot" as const), value: stateObject }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("stateDelta" as const), ops }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant("messagesSnapshot" as const),
      keep: fc.array(fc.boolean(), { maxLength: 12 }),
      extra: fc.nat(2),
      activity: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        k: fc.constant("activity" as const),
        pick,
        fresh: fc.boolean(),
        replace: fc.boolean(),
        content: stateObject,
      },
      { requiredKeys: ["k", "pick", "fresh", "content"] },
    ),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("activityDelta" as const), pick, ops }) },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant("noise" as const),
      which: fc.constantFrom("step", "raw", "custom", "subagentFinished"),
    }),
  },
);

/** A random run script: up to `maxSteps` steps and an ending. */
export function scriptArbitrary(maxSteps = 40): fc.Arbitrary<Script> {
  return fc
    .record({
      steps: fc.array(step, { maxLength: maxSteps }),
      ending: fc.constantFrom<Ending>("finish", "finish", "errorEvent", "throw", "cancel"),
    })
    .map(({ steps, ending }) => ({ steps, ending, events: buildEvents(steps, "u1") }));
}

const at = <T>(list: readonly T[], n: number): T | undefined =>
  list.length === 0 ? undefined : list[n % list.length];

/**
 * Turns steps into events. It tracks only what it needs to keep each event well-formed (a
 * CONTENT names a started message) and to pick ids that exist; it never folds.
 */
export function buildEvents(steps: readonly Step[], userMessageId: string): BaseEvent[] {
  const events: Record<string, unknown>[] = [];
  let n = 0;
  const fresh = (prefix: string) => `${prefix}${++n}`;
  const messages: { id: string; role: string; toolCallId?: string }[] = [{ id: userMessageId, role: "user" }];
  const openText: string[] = [];
  const openReasoning: string[] = [];
  const toolCalls: string[] = [];
  const openToolCalls: string[] = [];
  const activities: string[] = [];
  const lastChunk: Record<"text" | "tool" | "reasoning", string | undefined> = {
    text: undefined,
    tool: undefined,
    reasoning: undefined,
  };
  const known = (id: string, role: string) => {
    if (!messages.some((m) => m.id === id)) messages.push({ id, role });
  };
  const chunkId = (kind: "text" | "tool" | "reasoning", mode: IdMode, p: number): string | undefined => {
    if (mode === "none") return undefined;
    if (mode === "open") return lastChunk[kind];
    if (mode === "existing") return kind === "tool" ? at(toolCalls, p) : at(messages, p)?.id;
    return fresh(kind === "tool" ? "tc" : kind === "text" ? "m" : "r");
  };
  const parentId = (mode: ParentMode): string | undefined =>
    mode === "none"
      ? undefined
      : mode === "last"
        ? messages.at(-1)?.id
        : mode === "user"
          ? userMessageId
          : fresh("p");
  const sub = (on: boolean) => (on ? { subagentRunId: "sub-1" } : {});

  for (const s of steps) {
    switch (s.k) {
      case "textStart": {
        const id = fresh("m");
        events.push({ type: "TEXT_MESSAGE_START", messageId: id, role: s.role });
        openText.push(id);
        known(id, s.role);
        break;
      }
      case "textContent": {
        const id = at(openText, s.pick);
        if (id) events.push({ type: "TEXT_MESSAGE_CONTENT", messageId: id, delta: s.delta });
        break;
      }
      case "textEnd": {
        const id = at(openText, s.pick);
        if (id) {
          events.push({ type: "TEXT_MESSAGE_END", messageId: id });
          openText.splice(openText.indexOf(id), 1);
        }
        break;
      }
      case "textChunk": {
        const id = chunkId("text", s.id, s.pick);
        events.push({
          type: "TEXT_MESSAGE_CHUNK",
          ...(id === undefined ? {} : { messageId: id }),
          ...(s.role === undefined ? {} : { role: s.role }),
          ...(s.delta === undefined ? {} : { delta: s.delta }),
          ...sub(s.sub),
        });
        if (id !== undefined) {
          lastChunk.text = id;
          known(id, "assistant");
        }
        break;
      }
      case "toolStart": {
        const id = fresh("tc");
        const parent = parentId(s.parent);
        events.push({
          type: "TOOL_CALL_START",
          toolCallId: id,
          toolCallName: s.name,
          ...(parent === undefined ? {} : { parentMessageId: parent }),
        });
        toolCalls.push(id);
        openToolCalls.push(id);
        break;
      }
      case "toolArgs": {
        const id = at(openToolCalls, s.pick);
        if (id) events.push({ type: "TOOL_CALL_ARGS", toolCallId: id, delta: s.delta });
        break;
      }
      case "toolEnd": {
        const id = at(openToolCalls, s.pick);
        if (id) {
          events.push({ type: "TOOL_CALL_END", toolCallId: id });
          openToolCalls.splice(openToolCalls.indexOf(id), 1);
        }
        break;
      }
      case "toolResult": {
        const call = at(toolCalls, s.pick);
        if (call) {
          const id = fresh("res");
          events.push({ type: "TOOL_CALL_RESULT", messageId: id, toolCallId: call, content: s.content });
          messages.push({ id, role: "tool", toolCallId: call });
        }
        break;
      }
      case "toolChunk": {
        const id = chunkId("tool", s.id, s.pick);
        const parent = parentId(s.parent);
        events.push({
          type: "TOOL_CALL_CHUNK",
          ...(id === undefined ? {} : { toolCallId: id }),
          ...(s.name === undefined ? {} : { toolCallName: s.name }),
          ...(parent === undefined ? {} : { parentMessageId: parent }),
          ...(s.delta === undefined ? {} : { delta: s.delta }),
          ...sub(s.sub),
        });
        if (id !== undefined) {
          lastChunk.tool = id;
          if (!toolCalls.includes(id)) toolCalls.push(id);
        }
        break;
      }
      case "reasoningStart": {
        const id = fresh("r");
        events.push({ type: "REASONING_MESSAGE_START", messageId: id, role: "reasoning" });
        openReasoning.push(id);
        known(id, "reasoning");
        break;
      }
      case "reasoningContent": {
        const id = at(openReasoning, s.pick);
        if (id) events.push({ type: "REASONING_MESSAGE_CONTENT", messageId: id, delta: s.delta });
        break;
      }
      case "reasoningEnd": {
        const id = at(openReasoning, s.pick);
        if (id) {
          events.push({ type: "REASONING_MESSAGE_END", messageId: id });
          openReasoning.splice(openReasoning.indexOf(id), 1);
        }
        break;
      }
      case "reasoningChunk": {
        const id = chunkId("reasoning", s.id, s.pick);
        events.push({
          type: "REASONING_MESSAGE_CHUNK",
          ...(id === undefined ? {} : { messageId: id }),
          ...(s.delta === undefined ? {} : { delta: s.delta }),
          ...sub(s.sub),
        });
        if (id !== undefined) {
          lastChunk.reasoning = id;
          known(id, "reasoning");
        }
        break;
      }
      case "reasoningSpan":
        events.push({ type: s.start ? "REASONING_START" : "REASONING_END", messageId: fresh("span") });
        break;
      case "encrypted": {
        const id = s.toolCall ? at(toolCalls, s.pick) : at(messages, s.pick)?.id;
        if (id)
          events.push({
            type: "REASONING_ENCRYPTED_VALUE",
            subtype: s.toolCall ? "tool-call" : "message",
            entityId: id,
            encryptedValue: s.value,
          });
        break;
      }
      case "stateSnapshot":
        events.push({ type: "STATE_SNAPSHOT", snapshot: s.value });
        break;
      case "stateDelta":
        events.push({ type: "STATE_DELTA", delta: s.ops.map(patch) });
        break;
      case "messagesSnapshot": {
        const kept = messages.filter((_, i) => s.keep[i] ?? true);
        const snapshot: Record<string, unknown>[] = kept.map((m) => snapshotMessage(m));
        for (let i = 0; i < s.extra; i++) {
          const id = fresh("snap");
          snapshot.push({ id, role: i % 2 ? "assistant" : "user", content: `snapshot ${id}` });
          kept.push({ id, role: i % 2 ? "assistant" : "user" });
        }
        if (s.activity) {
          const id = fresh("act");
          snapshot.push({ id, role: "activity", activityType: "plan", content: { step: 1 } });
          kept.push({ id, role: "activity" });
          activities.push(id);
        }
        events.push({ type: "MESSAGES_SNAPSHOT", messages: snapshot });
        messages.splice(0, messages.length, ...kept);
        break;
      }
      case "activity": {
        const id = s.fresh ? fresh("act") : (at(activities, s.pick) ?? fresh("act"));
        events.push({
          type: "ACTIVITY_SNAPSHOT",
          messageId: id,
          activityType: "plan",
          content: s.content,
          ...(s.replace === undefined ? {} : { replace: s.replace }),
        });
        if (!activities.includes(id)) activities.push(id);
        known(id, "activity");
        break;
      }
      case "activityDelta": {
        const id = at(activities, s.pick);
        if (id)
          events.push({
            type: "ACTIVITY_DELTA",
            messageId: id,
            activityType: "plan",
            patch: s.ops.map(patch),
          });
        break;
      }
      case "noise":
        events.push(
          s.which === "step"
            ? { type: "STEP_STARTED", stepName: "step" }
            : s.which === "raw"
              ? { type: "RAW", event: { vendor: "x" } }
              : s.which === "custom"
                ? { type: "CUSTOM", name: "note", value: { n } }
                : { type: "SUBAGENT_FINISHED", subagentRunId: "sub-1" },
        );
        break;
    }
  }
  return events as unknown as BaseEvent[];
}

function patch(op: PatchOp): Record<string, unknown> {
  if (op.op === "remove") return { op: op.op, path: op.path };
  if (op.op === "move" || op.op === "copy") return { op: op.op, from: op.from, path: op.path };
  return { op: op.op, path: op.path, value: op.value };
}

function snapshotMessage(m: { id: string; role: string; toolCallId?: string }): Record<string, unknown> {
  switch (m.role) {
    case "tool":
      return { id: m.id, role: "tool", toolCallId: m.toolCallId ?? "unknown", content: "snapshot result" };
    case "activity":
      return { id: m.id, role: "activity", activityType: "plan", content: { from: "snapshot" } };
    case "reasoning":
      return { id: m.id, role: "reasoning", content: "snapshot reasoning" };
    case "assistant":
      return { id: m.id, role: "assistant", content: `snapshot ${m.id}` };
    default:
      return { id: m.id, role: m.role, content: `snapshot ${m.id}` };
  }
}

const CLOSES_OWN_LANE = new Set([
  "TEXT_MESSAGE_START",
  "TEXT_MESSAGE_CONTENT",
  "TEXT_MESSAGE_END",
  "TOOL_CALL_START",
  "TOOL_CALL_ARGS",
  "TOOL_CALL_END",
  "TOOL_CALL_RESULT",
  "STATE_SNAPSHOT",
  "STATE_DELTA",
  "CUSTOM",
  "STEP_STARTED",
  "STEP_FINISHED",
  "REASONING_START",
  "REASONING_MESSAGE_START",
  "REASONING_MESSAGE_CONTENT",
  "REASONING_MESSAGE_END",
  "REASONING_END",
]);
const CHUNK_KIND: Record<string, { kind: string; idKey: string; prefix: string }> = {
  TEXT_MESSAGE_CHUNK: { kind: "text", idKey: "messageId", prefix: "m" },
  TOOL_CALL_CHUNK: { kind: "tool", idKey: "toolCallId", prefix: "tc" },
  REASONING_MESSAGE_CHUNK: { kind: "reasoning", idKey: "messageId", prefix: "r" },
};

/**
 * Rewrites the chunks of a stream so that AG-UI's `transformChunks` accepts it: a chunk that
 * would open a stream without an id gets one (the last id of its kind, reopening it, or a new
 * one) and, for a tool call, a name; a continuation repeats no opener field and carries its
 * stream's lane. Everything else is left as it is. Used to compare our fold with AG-UI's
 * expansion on streams AG-UI defines.
 */
export function agUiStrict(events: readonly BaseEvent[]): BaseEvent[] {
  const lanes = new Map<string | undefined, { kind: string; id: string }>();
  const last: Record<string, string | undefined> = {};
  let n = 0;
  return events.map((event) => {
    const e = event as unknown as Record<string, any>;
    const chunk = CHUNK_KIND[e.type];
    if (!chunk) {
      if (CLOSES_OWN_LANE.has(e.type)) lanes.delete(e.subagentRunId);
      else if (["RUN_STARTED", "RUN_FINISHED", "RUN_ERROR", "MESSAGES_SNAPSHOT"].includes(e.type))
        lanes.clear();
      else if (e.type === "SUBAGENT_FINISHED" || e.type === "SUBAGENT_ERROR") lanes.delete(e.subagentRunId);
      return event;
    }
    const { kind, idKey } = chunk;
    const out: Record<string, any> = { ...e };
    let id: string | undefined = e[idKey];
    let lane: string | undefined = e.subagentRunId;
    if (id !== undefined) {
      // A named id continues in the lane holding it, whatever the chunk's tag.
      for (const [owner, open] of lanes) if (open.kind === kind && open.id === id) lane = owner;
    }
    const open = lanes.get(lane);
    const continues = open?.kind === kind && (id === undefined || id === open.id);
    if (continues) {
      for (const key of ["role", "name", "toolCallName", "parentMessageId"]) delete out[key];
      id = open!.id;
    } else {
      const held = (candidate: string) =>
        [...lanes.values()].some((o) => o.kind === kind && o.id === candidate);
      const reopen = last[kind];
      id ??= reopen !== undefined && !held(reopen) ? reopen : `${chunk.prefix}-strict-${++n}`;
      out[idKey] = id;
      if (kind === "tool") out.toolCallName ??= "lookup";
      lanes.set(lane, { kind, id });
    }
    if (lane === undefined) delete out.subagentRunId;
    else out.subagentRunId = lane;
    last[kind] = id;
    return out as unknown as BaseEvent;
  });
}
