/**
 * Picks the chat model: a hosted one when a key is configured (OpenAI-compatible or
 * Anthropic, see @backchannel/langgraph's createChatModelFromEnv), else the offline model.
 * @module
 */
import { createChatModelFromEnv } from "@backchannel/langgraph";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { Database } from "better-sqlite3";
import { OfflineChatModel } from "./offline/offline-chat-model.js";
import { loadVocabulary } from "./offline/vocabulary.js";

/** The model and how the UI should name it. */
export interface ModelChoice {
  model: BaseChatModel;
  /** e.g. "Offline demo model" or "openai · gpt-4o-mini". */
  label: string;
  offline: boolean;
}

/** The model for this environment. `OPSHUB_TOKEN_DELAY_MS` sets the offline model's pace. */
export function chooseModel(db: Database, env: NodeJS.ProcessEnv = process.env): ModelChoice {
  const hosted = createChatModelFromEnv(env);
  if (hosted) {
    const name = (hosted as unknown as { model?: string }).model ?? hosted._llmType();
    const provider =
      env.BACKCHANNEL_MODEL_PROVIDER || (env.OPENAI_API_KEY || env.OPENAI_BASE_URL ? "openai" : "anthropic");
    return { model: hosted, label: `${provider} · ${name}`, offline: false };
  }
  const delay = env.OPSHUB_TOKEN_DELAY_MS === undefined ? undefined : Number(env.OPSHUB_TOKEN_DELAY_MS);
  return {
    model: new OfflineChatModel({
      vocabulary: loadVocabulary(db),
      ...(Number.isFinite(delay) ? { tokenDelayMs: delay } : {}),
    }),
    label: OfflineChatModel.label,
    offline: true,
  };
}
