/**
 * LangChain chat models for real providers, built from options or from the
 * environment: any OpenAI-compatible chat-completions endpoint (OpenAI, Azure OpenAI's
 * v1 API, Ollama, vLLM, LM Studio, llama.cpp's server) and Anthropic.
 * @module
 */
import { ChatAnthropic } from "@langchain/anthropic";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ChatOpenAICompletions } from "@langchain/openai";

/** Settings shared by both providers. */
export interface ChatModelTuning {
  /** Sampling temperature. @default the provider's */
  temperature?: number;
  /** Largest answer, in tokens. @default the provider's (Anthropic: 4096) */
  maxTokens?: number;
  /** Give up on a request after this many ms. @default 60000 */
  timeoutMs?: number;
  /** Retries on 429/5xx/connection errors, with the SDK's backoff. @default 2 */
  maxRetries?: number;
}

/** Options of {@link createOpenAICompatibleModel}. */
export interface OpenAICompatibleModelOptions extends ChatModelTuning {
  /** The model the endpoint serves: `gpt-4o-mini`, `llama3.1`, a vLLM model path... */
  model: string;
  /**
   * Sent as `Authorization: Bearer`. Local servers that need none (Ollama, llama.cpp)
   * may omit it.
   */
  apiKey?: string;
  /**
   * The endpoint's base URL, up to and including `/v1`: `http://localhost:11434/v1`
   * (Ollama), `http://localhost:8000/v1` (vLLM), `http://localhost:1234/v1` (LM Studio),
   * `http://localhost:8080/v1` (llama.cpp), `https://<resource>.openai.azure.com/openai/v1`.
   * @default https://api.openai.com/v1
   */
  baseURL?: string;
  /** Extra headers on every request (a gateway's auth, for example). */
  headers?: Record<string, string>;
}

/** Options of {@link createAnthropicModel}. */
export interface AnthropicModelOptions extends ChatModelTuning {
  /** The Claude model id, e.g. `claude-sonnet-4-5`. */
  model: string;
  /** Sent as `x-api-key`. */
  apiKey: string;
  /** A proxy or gateway in front of the Messages API. @default https://api.anthropic.com */
  baseURL?: string;
}

/** Environment variables {@link createChatModelFromEnv} reads. */
export interface ChatModelEnv {
  /** `openai` or `anthropic`: which provider to use when both are configured. */
  BACKCHANNEL_MODEL_PROVIDER?: string;
  OPENAI_API_KEY?: string;
  OPENAI_BASE_URL?: string;
  OPENAI_MODEL?: string;
  ANTHROPIC_API_KEY?: string;
  ANTHROPIC_BASE_URL?: string;
  ANTHROPIC_MODEL?: string;
  [key: string]: string | undefined;
}

/** Model used against api.openai.com when `OPENAI_MODEL` is unset. */
export const DEFAULT_OPENAI_MODEL = "gpt-4o-mini";
/** Model used when `ANTHROPIC_MODEL` is unset. */
export const DEFAULT_ANTHROPIC_MODEL = "claude-sonnet-4-5";

/** A model configuration that cannot work, with what to change. */
export class ModelConfigError extends Error {
  override readonly name = "ModelConfigError";
  readonly code = "model_config";
}

/**
 * A streaming chat model for an OpenAI-compatible `/chat/completions` endpoint. Always
 * the Chat Completions API (never Responses), which is what compatible servers speak.
 * @example
 * const model = createOpenAICompatibleModel({ baseURL: "http://localhost:11434/v1", model: "llama3.1" });
 */
export function createOpenAICompatibleModel(options: OpenAICompatibleModelOptions): BaseChatModel {
  return new ChatOpenAICompletions({
    model: options.model,
    // The SDK refuses to start without a key; servers that need none ignore this one.
    apiKey: options.apiKey || "not-needed",
    streaming: true,
    timeout: options.timeoutMs ?? 60_000,
    maxRetries: options.maxRetries ?? 2,
    ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
    ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
    configuration: {
      ...(options.baseURL ? { baseURL: options.baseURL } : {}),
      ...(options.headers ? { defaultHeaders: options.headers } : {}),
    },
  });
}

/**
 * A streaming chat model for Anthropic's Messages API.
 * @example
 * const model = createAnthropicModel({ apiKey: process.env.ANTHROPIC_API_KEY!, model: "claude-sonnet-4-5" });
 */
export function createAnthropicModel(options: AnthropicModelOptions): BaseChatModel {
  return new ChatAnthropic({
    model: options.model,
    apiKey: options.apiKey,
    streaming: true,
    maxTokens: options.maxTokens ?? 4096,
    maxRetries: options.maxRetries ?? 2,
    ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
    ...(options.baseURL ? { anthropicApiUrl: options.baseURL } : {}),
    clientOptions: { timeout: options.timeoutMs ?? 60_000 },
  });
}

function fromOpenAIEnv(env: ChatModelEnv, tuning: ChatModelTuning): BaseChatModel {
  const baseURL = env.OPENAI_BASE_URL?.trim() || undefined;
  const model = env.OPENAI_MODEL?.trim() || (baseURL ? undefined : DEFAULT_OPENAI_MODEL);
  if (!model) {
    throw new ModelConfigError(
      `OPENAI_BASE_URL is set (${baseURL}) but OPENAI_MODEL is not. Set OPENAI_MODEL to a model that endpoint serves (for Ollama, e.g. "llama3.1").`,
    );
  }
  if (!baseURL && !env.OPENAI_API_KEY) {
    throw new ModelConfigError("OpenAI needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local server).");
  }
  return createOpenAICompatibleModel({ ...tuning, model, apiKey: env.OPENAI_API_KEY, baseURL });
}

function fromAnthropicEnv(env: ChatModelEnv, tuning: ChatModelTuning): BaseChatModel {
  if (!env.ANTHROPIC_API_KEY) throw new ModelConfigError("Anthropic needs ANTHROPIC_API_KEY.");
  return createAnthropicModel({
    ...tuning,
    apiKey: env.ANTHROPIC_API_KEY,
    model: env.ANTHROPIC_MODEL?.trim() || DEFAULT_ANTHROPIC_MODEL,
    baseURL: env.ANTHROPIC_BASE_URL?.trim() || undefined,
  });
}

/**
 * A chat model configured by environment variables, or `undefined` when none are set
 * (so an app can fall back to something else). `BACKCHANNEL_MODEL_PROVIDER` picks the
 * provider when given; otherwise OpenAI-compatible wins if `OPENAI_API_KEY` or
 * `OPENAI_BASE_URL` is set, then Anthropic if `ANTHROPIC_API_KEY` is. Throws
 * {@link ModelConfigError} for a configuration that cannot work.
 *
 * @example
 * // OPENAI_BASE_URL=http://localhost:11434/v1 OPENAI_MODEL=llama3.1
 * const model = createChatModelFromEnv();
 * if (!model) throw new Error("Set OPENAI_API_KEY or ANTHROPIC_API_KEY");
 */
export function createChatModelFromEnv(
  env: ChatModelEnv = process.env as ChatModelEnv,
  tuning: ChatModelTuning = {},
): BaseChatModel | undefined {
  const forced = env.BACKCHANNEL_MODEL_PROVIDER?.trim().toLowerCase();
  if (forced === "openai") return fromOpenAIEnv(env, tuning);
  if (forced === "anthropic") return fromAnthropicEnv(env, tuning);
  if (forced) {
    throw new ModelConfigError(
      `BACKCHANNEL_MODEL_PROVIDER must be "openai" or "anthropic", not "${forced}".`,
    );
  }
  if (env.OPENAI_API_KEY || env.OPENAI_BASE_URL) return fromOpenAIEnv(env, tuning);
  if (env.ANTHROPIC_API_KEY) return fromAnthropicEnv(env, tuning);
  return undefined;
}
