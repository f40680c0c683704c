/**
 * Maps LangGraph's `messages` stream (model chunks as they are produced, and messages
 * nodes return) to AG-UI TEXT_MESSAGE_*, TOOL_CALL_* and TOOL_CALL_RESULT events.
 *
 * The `messages` stream never says when a model call is done, so a message stays open
 * until its node's task finishes, the same task starts another message, or the run
 * ends; parallel nodes stream into separate, concurrently open messages.
 * @module
 */
import { aggregateTokenUsage, type TokenUsage, tokenUsageFromLangChainMetadata } from "@ag-ui/core";
import { AIMessage, AIMessageChunk, type BaseMessage, ToolMessage } from "@langchain/core/messages";
import type { AgentEvent } from "./agent-types.js";
import { contentText, toolResultText } from "./message-convert.js";

interface OpenMessage {
  id: string;
  /** The task that produces it: `node:taskId` from the stream metadata. */
  task: string;
  textOpen: boolean;
  /** Tool calls being streamed, by chunk index (or id when a provider sends no index). */
  calls: Map<string, string>;
}

interface Labels {
  provider?: string;
  model?: string;
}

/** Metadata LangGraph attaches to each `messages` stream item. */
export type MessageMetadata = Record<string, unknown>;

/** Stateful mapper for one run's `messages` stream. */
export class MessageEvents {
  private readonly open = new Map<string, OpenMessage>();
  private readonly seen = new Set<string>();
  private readonly callNames = new Map<string, string>();
  private readonly answered = new Set<string>();
  private anonymous = 0;
  /** Token counts per model response, summed over its chunks as LangChain does. */
  private readonly usageByMessage = new Map<string, { counts: Record<string, number>; labels: Labels }>();

  /** Events for one `[message, metadata]` item of the stream. */
  handle(message: BaseMessage, metadata: MessageMetadata): AgentEvent[] {
    if (AIMessage.isInstance(message)) this.countUsage(message, metadata);
    if (AIMessageChunk.isInstance(message)) return this.chunk(message, taskOf(metadata));
    if (ToolMessage.isInstance(message)) return this.toolResult(message);
    if (AIMessage.isInstance(message)) return this.whole(message, taskOf(metadata));
    // Human and system messages a node adds are graph bookkeeping, not model output.
    return [];
  }

  /** Closes every message of `task` (or every open message when `task` is omitted). */
  close(task?: string): AgentEvent[] {
    const events: AgentEvent[] = [];
    for (const m of [...this.open.values()]) {
      // A subgraph's messages belong to the parent task that runs it ("parent:id|child:id").
      if (task !== undefined && m.task !== task && !m.task.startsWith(`${task}|`)) continue;
      events.push(...this.end(m));
    }
    return events;
  }

  /** Tool call ids streamed this run whose name is in `names` and that got no result. */
  unanswered(names: ReadonlySet<string>): string[] {
    return [...this.callNames]
      .filter(([id, name]) => names.has(name) && !this.answered.has(id))
      .map(([id]) => id);
  }

  /** Token usage of every model call this run, one entry per provider and model. */
  usage(): TokenUsage[] {
    const entries: TokenUsage[] = [];
    for (const { counts, labels } of this.usageByMessage.values()) {
      const entry = tokenUsageFromLangChainMetadata(counts, labels);
      // Labels the provider did not report are left out rather than sent as undefined.
      if (entry) entries.push(Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined)));
    }
    return aggregateTokenUsage(entries);
  }

  private countUsage(message: AIMessage, metadata: MessageMetadata): void {
    const usage = message.usage_metadata as Record<string, unknown> | undefined;
    // The model's LangSmith labels ride along in the stream metadata; the response may refine them.
    const meta = {
      model_provider: metadata.ls_provider,
      model_name: metadata.ls_model_name,
      ...message.response_metadata,
    };
    const id = message.id ?? "";
    let entry = this.usageByMessage.get(id);
    if (!entry) {
      if (!usage) return;
      entry = { counts: {}, labels: {} };
      this.usageByMessage.set(id, entry);
    }
    if (typeof meta.model_provider === "string") entry.labels.provider = meta.model_provider;
    if (typeof meta.model_name === "string") entry.labels.model = meta.model_name;
    // A whole message after its chunks repeats their totals: count only one of the two.
    if (!usage || (!AIMessageChunk.isInstance(message) && this.seen.has(id))) return;
    for (const key of ["input_tokens", "output_tokens", "total_tokens"]) {
      const n = usage[key];
      if (typeof n === "number") entry.counts[key] = (entry.counts[key] ?? 0) + n;
    }
  }

  private end(m: OpenMessage): AgentEvent[] {
    const events: AgentEvent[] = [];
    if (m.textOpen) events.push({ type: "TEXT_MESSAGE_END", messageId: m.id });
    for (const toolCallId of m.calls.values()) events.push({ type: "TOOL_CALL_END", toolCallId });
    this.open.delete(m.id);
    return events;
  }

  private messageId(message: BaseMessage): string {
    return message.id ?? `lc-message-${++this.anonymous}`;
  }

  private chunk(chunk: AIMessageChunk, task: string): AgentEvent[] {
    const id = this.messageId(chunk);
    const events: AgentEvent[] = [];
    let m = this.open.get(id);
    if (!m) {
      // A task moves on to its next model call: the previous one is complete.
      for (const other of [...this.open.values()]) if (other.task === task) events.push(...this.end(other));
      m = { id, task, textOpen: false, calls: new Map() };
      this.open.set(id, m);
      this.seen.add(id);
    }
    const text = contentText(chunk.content);
    if (text !== "") {
      if (!m.textOpen) {
        events.push({ type: "TEXT_MESSAGE_START", messageId: id, role: "assistant" });
        m.textOpen = true;
      }
      events.push({ type: "TEXT_MESSAGE_CONTENT", messageId: id, delta: text });
    }
    for (const part of chunk.tool_call_chunks ?? []) {
      const key = part.index !== undefined ? `i${part.index}` : part.id ? `c${part.id}` : "i0";
      let toolCallId = m.calls.get(key);
      if (toolCallId !== undefined && part.id && part.id !== toolCallId) {
        // Same slot, new call id: the provider reuses indexes, so the previous call is done.
        events.push({ type: "TOOL_CALL_END", toolCallId });
        m.calls.delete(key);
        toolCallId = undefined;
      }
      if (toolCallId === undefined) {
        toolCallId = part.id ?? `${id}-call-${m.calls.size}`;
        const name = part.name ?? "";
        m.calls.set(key, toolCallId);
        this.callNames.set(toolCallId, name);
        events.push({ type: "TOOL_CALL_START", toolCallId, toolCallName: name, parentMessageId: id });
      }
      if (part.args) events.push({ type: "TOOL_CALL_ARGS", toolCallId, delta: part.args });
    }
    return events;
  }

  /** A complete AI message a node returned without streaming it (or a model that cannot stream). */
  private whole(message: BaseMessage, task: string): AgentEvent[] {
    const id = this.messageId(message);
    if (this.seen.has(id)) return [];
    this.seen.add(id);
    const events = this.close(task);
    const text = contentText(message.content);
    if (text !== "") {
      events.push(
        { type: "TEXT_MESSAGE_START", messageId: id, role: "assistant" },
        { type: "TEXT_MESSAGE_CONTENT", messageId: id, delta: text },
        { type: "TEXT_MESSAGE_END", messageId: id },
      );
    }
    const calls = AIMessage.isInstance(message) ? (message.tool_calls ?? []) : [];
    calls.forEach((call, i) => {
      const toolCallId = call.id ?? `${id}-call-${i}`;
      this.callNames.set(toolCallId, call.name);
      events.push({ type: "TOOL_CALL_START", toolCallId, toolCallName: call.name, parentMessageId: id });
      events.push({ type: "TOOL_CALL_ARGS", toolCallId, delta: JSON.stringify(call.args ?? {}) });
      events.push({ type: "TOOL_CALL_END", toolCallId });
    });
    return events;
  }

  private toolResult(message: ToolMessage): AgentEvent[] {
    const toolCallId = message.tool_call_id;
    // Close the call if it is still streaming (a node ran it before its task ended).
    const events: AgentEvent[] = [];
    for (const m of this.open.values()) {
      for (const [key, id] of m.calls) {
        if (id !== toolCallId) continue;
        events.push({ type: "TOOL_CALL_END", toolCallId });
        m.calls.delete(key);
      }
    }
    this.answered.add(toolCallId);
    events.push({
      type: "TOOL_CALL_RESULT",
      messageId: this.messageId(message),
      toolCallId,
      content: toolResultText(message.content),
      role: "tool",
    });
    return events;
  }
}

/** The task a stream item belongs to, from LangGraph's metadata. */
export function taskOf(metadata: MessageMetadata): string {
  const ns = metadata.langgraph_checkpoint_ns;
  if (typeof ns === "string" && ns !== "") return ns;
  const node = metadata.langgraph_node;
  return typeof node === "string" ? node : "";
}
