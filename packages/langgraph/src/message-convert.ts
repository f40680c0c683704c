/**
 * AG-UI messages (what the browser sends) to LangChain messages (what a graph holds),
 * and LangChain message content back to plain text for the event stream. Message ids
 * are kept on both sides: that is what lets a checkpointed thread tell which of the
 * client's messages it already has.
 * @module
 */
import type { ContentPart, Message } from "@ag-ui/core";
import { exceedsJsonDepth } from "@backchannel/protocol";
import {
  AIMessage,
  type BaseMessage,
  HumanMessage,
  type MessageContent,
  SystemMessage,
  ToolMessage,
} from "@langchain/core/messages";

/** LangChain content blocks for the parts of an AG-UI user or tool message. */
function toContentBlocks(parts: ContentPart[]): Array<Record<string, unknown>> {
  const blocks: Array<Record<string, unknown>> = [];
  for (const part of parts) {
    if (part.type === "text") {
      blocks.push({ type: "text", text: part.text });
      continue;
    }
    const source = part.source;
    // LangChain's standard (v1) multimodal blocks; each provider adapter translates them.
    const base: Record<string, unknown> = { type: part.type === "document" ? "file" : part.type };
    if (source.type === "url") blocks.push({ ...base, url: source.value, mimeType: source.mimeType });
    else if (source.type === "data") blocks.push({ ...base, data: source.value, mimeType: source.mimeType });
    else blocks.push({ ...base, fileId: source.value, mimeType: source.mimeType });
  }
  return blocks;
}

function parseArgs(text: string): Record<string, unknown> {
  if (text.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(text);
    // Arguments arrive as a string, so the frame's nesting limit never saw inside them.
    if (exceedsJsonDepth(value)) return { __raw: text };
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : { value };
  } catch {
    // Keep the raw text so the model sees what it produced rather than a silent `{}`.
    return { __raw: text };
  }
}

/**
 * Converts one AG-UI message to a LangChain message, or `undefined` for roles a chat
 * model has no slot for (`activity`, `reasoning`). Developer messages become system
 * messages: LangChain has no developer role, and providers map system to developer
 * where they need to.
 */
export function toLangChainMessage(message: Message): BaseMessage | undefined {
  switch (message.role) {
    case "user":
      return new HumanMessage({
        id: message.id,
        content:
          typeof message.content === "string"
            ? message.content
            : (toContentBlocks(message.content) as MessageContent),
        ...(message.name ? { name: message.name } : {}),
      });
    case "assistant":
      return new AIMessage({
        id: message.id,
        content: message.content ?? "",
        tool_calls: (message.toolCalls ?? []).map((call) => ({
          id: call.id,
          name: call.function.name,
          args: parseArgs(call.function.arguments),
          type: "tool_call" as const,
        })),
        ...(message.name ? { name: message.name } : {}),
      });
    case "tool":
      return new ToolMessage({
        id: message.id,
        tool_call_id: message.toolCallId,
        content:
          typeof message.content === "string"
            ? message.content
            : (toContentBlocks(message.content) as MessageContent),
        status: message.error ? "error" : "success",
      });
    case "system":
    case "developer":
      return new SystemMessage({ id: message.id, content: message.content });
    default:
      return undefined;
  }
}

/** Converts a list of AG-UI messages, dropping those with no LangChain counterpart. */
export function toLangChainMessages(messages: readonly Message[]): BaseMessage[] {
  const out: BaseMessage[] = [];
  for (const m of messages) {
    const converted = toLangChainMessage(m);
    if (converted) out.push(converted);
  }
  return out;
}

/**
 * The visible text of LangChain message content: a string as is, or the concatenated
 * text blocks of a block list (Anthropic streams `text_delta`; reasoning and tool-use
 * blocks are not text).
 */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const block of content) {
    if (typeof block === "string") text += block;
    else if (block && typeof block === "object") {
      const b = block as { type?: unknown; text?: unknown };
      if ((b.type === "text" || b.type === "text_delta") && typeof b.text === "string") text += b.text;
    }
  }
  return text;
}

/**
 * A tool result as the string TOOL_CALL_RESULT carries: text as is, anything else as
 * JSON (a tool that returns an object still reaches the browser intact).
 */
export function toolResultText(content: unknown): string {
  if (typeof content === "string") return content;
  const text = contentText(content);
  if (text !== "") return text;
  try {
    return JSON.stringify(content) ?? "";
  } catch {
    return String(content);
  }
}
