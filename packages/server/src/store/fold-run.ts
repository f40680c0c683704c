/**
 * The server's own small fold of one run's AG-UI events into the conversation and state
 * to store. It runs off the hot path (fed from the run's resume buffer in batches), is
 * O(events) overall, and never touches the events it reads (snapshots are cloned).
 * @module
 */
import type { BaseEvent, Message, RunAgentInput, State } from "@ag-ui/core";
import jsonPatch from "fast-json-patch";

type Ev = Record<string, any>;
type Msg = Record<string, any>;

/**
 * Folds events on top of the run's input (`input.messages`, `input.state`). Messages the
 * run adds or changes are appended or replaced by id, in the order they first appear.
 */
export class RunFold {
  /** Events applied so far. */
  applied = 0;
  /** The first state patch that failed, if any (later patches still apply). */
  stateError: string | undefined;
  private messages: Msg[];
  private readonly byId = new Map<string, Msg>();
  private readonly toolCalls = new Map<string, { function: { arguments: string } }>();
  /** Messages this run added (tool calls attach to the run's own last assistant message). */
  private readonly added = new Set<Msg>();
  private state: unknown;
  private openText: string | undefined;
  private openToolCall: string | undefined;
  private generated = 0;

  constructor(
    input: Pick<RunAgentInput, "messages" | "state" | "runId">,
    private readonly runId = input.runId,
  ) {
    // Our own copies: the fold appends to content strings of messages it continues.
    this.messages = structuredClone(input.messages ?? []) as Msg[];
    for (const m of this.messages) this.index(m);
    this.state = input.state === undefined ? {} : structuredClone(input.state);
  }

  /** Applies one event. Unknown and lifecycle-only events are ignored. */
  apply(event: BaseEvent): void {
    this.applied++;
    const e = event as Ev;
    switch (e.type) {
      case "TEXT_MESSAGE_START":
        this.ensure(e.messageId, () => ({ id: e.messageId, role: e.role ?? "assistant", content: "" }));
        return;
      case "TEXT_MESSAGE_CONTENT":
        return this.append(e.messageId, e.delta, "assistant");
      case "TEXT_MESSAGE_CHUNK": {
        const id = e.messageId ?? this.openText ?? this.newId("msg");
        if (id !== this.openText) {
          this.ensure(id, () => ({ id, role: e.role ?? "assistant", content: "" }));
          this.openText = id;
        }
        return this.append(id, e.delta, "assistant");
      }
      case "TEXT_MESSAGE_END":
        if (this.openText === e.messageId) this.openText = undefined;
        return;
      case "REASONING_MESSAGE_START":
        this.ensure(e.messageId, () => ({ id: e.messageId, role: "reasoning", content: "" }));
        return;
      case "REASONING_MESSAGE_CONTENT":
      case "REASONING_MESSAGE_CHUNK":
        if (typeof e.messageId === "string") this.append(e.messageId, e.delta, "reasoning");
        return;
      case "TOOL_CALL_START":
        return this.toolCallStart(e);
      case "TOOL_CALL_ARGS":
        return this.toolCallArgs(e.toolCallId, e.delta);
      case "TOOL_CALL_CHUNK": {
        const id = e.toolCallId ?? this.openToolCall;
        if (id === undefined) return;
        if (id !== this.openToolCall) {
          this.toolCallStart({ ...e, toolCallId: id });
          this.openToolCall = id;
        }
        return this.toolCallArgs(id, e.delta);
      }
      case "TOOL_CALL_END":
        if (this.openToolCall === e.toolCallId) this.openToolCall = undefined;
        return;
      case "TOOL_CALL_RESULT": {
        const existing = this.byId.get(e.messageId);
        if (existing) existing.content = e.content;
        else this.push({ id: e.messageId, role: "tool", toolCallId: e.toolCallId, content: e.content });
        return;
      }
      case "ACTIVITY_SNAPSHOT": {
        if (this.byId.has(e.messageId) && e.replace === false) return;
        const msg = this.ensure(e.messageId, () => ({ id: e.messageId, role: "activity" }));
        msg.activityType = e.activityType;
        msg.content = structuredClone(e.content);
        return;
      }
      case "ACTIVITY_DELTA": {
        const msg = this.byId.get(e.messageId);
        if (msg?.role === "activity") msg.content = this.patch(msg.content, e.patch) ?? msg.content;
        return;
      }
      case "MESSAGES_SNAPSHOT":
        this.messages = [];
        this.byId.clear();
        this.toolCalls.clear();
        this.added.clear();
        for (const m of structuredClone(e.messages ?? []) as Msg[]) this.push(m);
        return;
      case "STATE_SNAPSHOT":
        this.state = structuredClone(e.snapshot);
        return;
      case "STATE_DELTA": {
        const next = this.patch(this.state, e.delta);
        if (next !== undefined) this.state = next;
        return;
      }
    }
  }

  /** The conversation and state so far. */
  result(): { messages: Message[]; state: State } {
    return { messages: this.messages as Message[], state: this.state as State };
  }

  private index(m: Msg): void {
    if (typeof m.id === "string") this.byId.set(m.id, m);
    if (Array.isArray(m.toolCalls)) for (const tc of m.toolCalls) this.toolCalls.set(tc.id, tc);
  }

  private push(m: Msg): Msg {
    this.messages.push(m);
    this.added.add(m);
    this.index(m);
    return m;
  }

  private ensure(id: string, make: () => Msg): Msg {
    return this.byId.get(id) ?? this.push(make());
  }

  private append(id: string, delta: unknown, role: "assistant" | "reasoning"): void {
    if (typeof delta !== "string" || !delta) return;
    const msg = this.ensure(id, () => ({ id, role, content: "" }));
    // V8 builds repeated concatenation as a rope, so this stays linear in the text size.
    msg.content = typeof msg.content === "string" ? msg.content + delta : delta;
  }

  private toolCallStart(e: Ev): void {
    if (this.toolCalls.has(e.toolCallId)) return;
    let parent: Msg | undefined;
    if (typeof e.parentMessageId === "string") {
      parent = this.ensure(e.parentMessageId, () => ({ id: e.parentMessageId, role: "assistant" }));
      if (parent.role !== "assistant") parent = undefined;
    } else {
      const last = this.messages.at(-1);
      if (last?.role === "assistant" && this.added.has(last)) parent = last;
    }
    parent ??= this.push({
      id: this.byId.has(e.toolCallId) ? this.newId("msg") : e.toolCallId,
      role: "assistant",
    });
    const call = {
      id: e.toolCallId,
      type: "function",
      function: { name: String(e.toolCallName ?? ""), arguments: "" },
    };
    if (!Array.isArray(parent.toolCalls)) parent.toolCalls = [];
    parent.toolCalls.push(call);
    this.toolCalls.set(call.id, call);
  }

  private toolCallArgs(toolCallId: string, delta: unknown): void {
    const call = this.toolCalls.get(toolCallId);
    if (call && typeof delta === "string") call.function.arguments += delta;
  }

  private newId(prefix: string): string {
    let id: string;
    do id = `${prefix}-${this.runId}-${++this.generated}`;
    while (this.byId.has(id));
    return id;
  }

  /** Applies an RFC 6902 patch to our own copy; undefined (and `stateError`) when it fails. */
  private patch(doc: unknown, ops: unknown): unknown {
    if (!Array.isArray(ops)) return undefined;
    try {
      // In place on our copy; prototype modifications are refused (the default, made explicit).
      return jsonPatch.applyPatch(doc, ops, true, true, true).newDocument;
    } catch (err) {
      this.stateError ??= err instanceof Error ? err.message : String(err);
      return undefined;
    }
  }
}
