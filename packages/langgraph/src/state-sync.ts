/**
 * Turns the graph's state after each step into AG-UI state events: one STATE_SNAPSHOT,
 * then STATE_DELTA (RFC 6902 JSON Patch) for every step that changed something.
 * Messages are not state here: they travel as TEXT_MESSAGE and TOOL_CALL events.
 * @module
 */
import fastJsonPatch from "fast-json-patch";
import type { AgentEvent } from "./agent-types.js";

const { compare } = fastJsonPatch;

/** Which graph state keys reach the client. */
export interface StateProjection {
  /** Only these keys (when set). */
  include?: readonly string[];
  /** Never these keys. `messages` and keys starting with `__` are always left out. */
  exclude?: readonly string[];
}

/** A JSON copy of `value`: what the client would receive, without class instances or functions. */
export function toJsonValue(value: unknown): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(JSON.stringify(value));
  } catch {
    // A cycle or a BigInt: the value cannot be shared, so the client sees nothing for it.
    return undefined;
  }
}

/** The part of a graph state the client sees, as plain JSON. */
export function projectState(values: unknown, projection: StateProjection = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!values || typeof values !== "object" || Array.isArray(values)) return out;
  const include = projection.include ? new Set(projection.include) : undefined;
  const exclude = new Set(projection.exclude ?? []);
  for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
    if (key === "messages" || key.startsWith("__") || exclude.has(key)) continue;
    if (include && !include.has(key)) continue;
    const json = toJsonValue(value);
    if (json !== undefined) out[key] = json;
  }
  return out;
}

/** Tracks what the client has been sent and emits the difference. */
export class StateSync {
  private last: Record<string, unknown> | undefined;

  constructor(private readonly projection: StateProjection = {}) {}

  /**
   * Events for the state after a step. The first non-empty state is a snapshot; after
   * that, a delta when something changed and nothing otherwise.
   */
  next(values: unknown): AgentEvent[] {
    const state = projectState(values, this.projection);
    if (this.last === undefined) {
      if (Object.keys(state).length === 0) return [];
      this.last = state;
      return [{ type: "STATE_SNAPSHOT", snapshot: state }];
    }
    const delta = compare(this.last, state);
    this.last = state;
    return delta.length > 0 ? [{ type: "STATE_DELTA", delta }] : [];
  }
}
