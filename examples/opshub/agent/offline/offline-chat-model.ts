/**
 * `OfflineChatModel`: a real LangChain chat model that needs no API key. It reads the
 * conversation (the last user question, the page context in the system message, the
 * tool results of this turn), decides the next tool calls deterministically, and writes
 * the final answer from the tool results, streamed token by token at a readable pace.
 * It runs inside the same graph as a hosted model would; only the "thinking" differs.
 * @module
 */
import { setTimeout as delay } from "node:timers/promises";
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import { BaseChatModel, type BaseChatModelCallOptions } from "@langchain/core/language_models/chat_models";
import {
  AIMessage,
  AIMessageChunk,
  type BaseMessage,
  HumanMessage,
  SystemMessage,
  ToolMessage,
} from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";
import { classify, type PageContext } from "./intent.js";
import { nextStep, type Turn } from "./planner.js";
import type { Vocabulary } from "./vocabulary.js";

/** Options of {@link OfflineChatModel}. */
export interface OfflineChatModelOptions {
  /** Tickers, names and categories to recognize in questions. */
  vocabulary: Vocabulary;
  /** Pause before each streamed token, in ms; 0 streams as fast as possible. @default 18 */
  tokenDelayMs?: number;
}

interface CallOptions extends BaseChatModelCallOptions {
  tools?: unknown[];
}

function toolName(t: unknown): string | undefined {
  const o = t as { name?: string; function?: { name?: string } };
  return o?.function?.name ?? o?.name;
}

function text(m: BaseMessage): string {
  if (typeof m.content === "string") return m.content;
  return m.content.map((p) => (typeof p === "object" && p && "text" in p ? String(p.text) : "")).join("");
}

/** The page's readable context, parsed from the system message's `- description: value` lines. */
export function pageContextFrom(messages: BaseMessage[]): PageContext {
  const page: PageContext = {};
  for (const m of messages) {
    if (!SystemMessage.isInstance(m)) continue;
    for (const line of text(m).split("\n")) {
      const json = line.slice(line.indexOf("{"));
      if (!line.startsWith("- ") || !json.startsWith("{")) continue;
      try {
        const value = JSON.parse(json) as { selectedTicker?: unknown };
        if (typeof value.selectedTicker === "string" && value.selectedTicker)
          page.selectedTicker = value.selectedTicker;
      } catch {
        // Context that is not JSON is for hosted models; nothing to read here.
      }
    }
  }
  return page;
}

/** The results of the tool calls made since the last user message, by tool name. */
export function turnResults(messages: BaseMessage[]): Map<string, unknown> {
  const lastHuman = messages.findLastIndex((m) => HumanMessage.isInstance(m));
  const names = new Map<string, string>();
  const results = new Map<string, unknown>();
  for (const m of messages.slice(lastHuman + 1)) {
    if (AIMessage.isInstance(m)) for (const c of m.tool_calls ?? []) if (c.id) names.set(c.id, c.name);
    if (ToolMessage.isInstance(m)) {
      const name = names.get(m.tool_call_id) ?? m.name;
      if (!name) continue;
      const body = text(m);
      try {
        results.set(name, JSON.parse(body));
      } catch {
        results.set(name, body);
      }
    }
  }
  return results;
}

/** An abortable pause that removes its abort listener when it ends (one runs per token). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, signal ? { signal } : {});
}

let callCounter = 0;

/**
 * The offline model. Bind tools as with any chat model (`bindTools`); it calls only the
 * tools it was given.
 * @example
 * const model = new OfflineChatModel({ vocabulary: loadVocabulary(db) });
 * const reply = await model.bindTools(tools).invoke([new HumanMessage("Run validations")]);
 */
export class OfflineChatModel extends BaseChatModel<CallOptions> {
  /** Shown in the UI next to the assistant's name. */
  static readonly label = "Offline demo model";
  private readonly vocabulary: Vocabulary;
  private readonly tokenDelayMs: number;

  constructor(options: OfflineChatModelOptions) {
    super({});
    this.vocabulary = options.vocabulary;
    this.tokenDelayMs = options.tokenDelayMs ?? 18;
  }

  _llmType(): string {
    return "opshub-offline";
  }

  override bindTools(tools: unknown[]) {
    return this.withConfig({ tools } as Partial<CallOptions>);
  }

  async _generate(
    messages: BaseMessage[],
    options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    let full: AIMessageChunk | undefined;
    for await (const chunk of this._streamResponseChunks(messages, options, runManager)) {
      full = full ? full.concat(chunk.message as AIMessageChunk) : (chunk.message as AIMessageChunk);
    }
    const message = full ?? new AIMessageChunk({ content: "" });
    return { generations: [{ message, text: typeof message.content === "string" ? message.content : "" }] };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const question = [...messages].reverse().find((m) => HumanMessage.isInstance(m));
    const turn: Turn = {
      results: turnResults(messages),
      tools: new Set((options.tools ?? []).map(toolName).filter((n): n is string => !!n)),
      offline: true,
    };
    const intent = classify(question ? text(question) : "", this.vocabulary, pageContextFrom(messages));
    const step = nextStep(intent, turn);
    if ("calls" in step) {
      const callId = ++callCounter;
      for (const [index, call] of step.calls.entries()) {
        const id = `call_offline_${callId}_${index}`;
        const args = JSON.stringify(call.args);
        const message = new AIMessageChunk({
          content: "",
          tool_call_chunks: [{ index, id, name: call.name, args, type: "tool_call_chunk" }],
        });
        const chunk = new ChatGenerationChunk({ message, text: "" });
        yield chunk;
        await runManager?.handleLLMNewToken("", undefined, undefined, undefined, undefined, { chunk });
      }
      return;
    }
    for (const token of step.text.match(/\S+\s*|\s+/g) ?? []) {
      if (this.tokenDelayMs > 0) await sleep(this.tokenDelayMs, options.signal);
      const chunk = new ChatGenerationChunk({ message: new AIMessageChunk({ content: token }), text: token });
      yield chunk;
      await runManager?.handleLLMNewToken(token, undefined, undefined, undefined, undefined, { chunk });
    }
  }
}
