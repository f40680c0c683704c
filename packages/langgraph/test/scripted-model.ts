/**
 * A hand-scripted LangChain chat model for tests: each call plays the next scripted
 * turn as streamed chunks (text fragments, then tool-call fragments the way OpenAI
 * streams them), and records what it was called with.
 */
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import { BaseChatModel, type BaseChatModelCallOptions } from "@langchain/core/language_models/chat_models";
import { AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";

export interface ScriptedToolCall {
  id: string;
  name: string;
  /** Argument JSON, split into the fragments the model streams. */
  args: string[];
}

export interface ScriptedTurn {
  text?: string[];
  toolCalls?: ScriptedToolCall[];
  /** Wait this long before each chunk (abortable). */
  delayMs?: number;
  /** Throw this after the text fragments. */
  error?: string;
}

export interface ScriptedCall {
  messages: BaseMessage[];
  tools: unknown[];
}

interface CallOptions extends BaseChatModelCallOptions {
  tools?: unknown[];
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

export class ScriptedChatModel extends BaseChatModel<CallOptions> {
  readonly calls: ScriptedCall[] = [];
  /** Set when a call's stream saw its abort signal fire. */
  aborted = false;
  private readonly turns: ScriptedTurn[];

  constructor(turns: ScriptedTurn[]) {
    super({});
    this.turns = [...turns];
  }

  _llmType(): string {
    return "scripted";
  }

  override bindTools(tools: unknown[]) {
    return this.withConfig({ tools } as Partial<CallOptions>);
  }

  async _generate(messages: BaseMessage[], options: this["ParsedCallOptions"]): Promise<ChatResult> {
    let full: AIMessageChunk | undefined;
    for await (const chunk of this._streamResponseChunks(messages, options)) {
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
    this.calls.push({ messages, tools: options.tools ?? [] });
    const turn = this.turns.shift();
    if (!turn) throw new Error(`ScriptedChatModel: no turn left for call ${this.calls.length}`);
    const model = this;
    const emit = async function* (message: AIMessageChunk, text: string) {
      if (options.signal?.aborted) model.aborted = true;
      if (turn.delayMs) {
        await sleep(turn.delayMs, options.signal).catch((error) => {
          model.aborted = true;
          throw error;
        });
      }
      const chunk = new ChatGenerationChunk({ message, text });
      yield chunk;
      await runManager?.handleLLMNewToken(text, undefined, undefined, undefined, undefined, { chunk });
    };
    for (const text of turn.text ?? []) yield* emit(new AIMessageChunk({ content: text }), text);
    if (turn.error) throw new Error(turn.error);
    for (const [index, call] of (turn.toolCalls ?? []).entries()) {
      for (const [i, args] of call.args.entries()) {
        const part =
          i === 0
            ? { index, id: call.id, name: call.name, args, type: "tool_call_chunk" as const }
            : { index, args, type: "tool_call_chunk" as const };
        yield* emit(new AIMessageChunk({ content: "", tool_call_chunks: [part] }), "");
      }
    }
  }
}
