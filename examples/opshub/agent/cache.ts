/**
 * Which OpsHub questions are served from the response cache: the read-only ones (top
 * holdings, exposures, NAV), recognised by the same classifier the offline model uses. Their
 * answers come from the fund's book and change only when it does; anything that filters,
 * highlights, opens a position or runs validations is never cached.
 * @module
 */
import type { ResponseCacheOptions } from "@backchannel/server";
import type { Database } from "better-sqlite3";
import { classify } from "./offline/intent.js";
import { loadVocabulary } from "./offline/vocabulary.js";

/** How long a read-only answer is served from cache, unless `RESPONSE_CACHE_TTL_MS` says otherwise. */
export const READ_ONLY_CACHE_TTL_MS = 5 * 60_000;

const READ_ONLY = new Set(["top", "exposure", "nav"]);

/**
 * The agent's cache settings: per user (scope `principal`), keyed by the question's intent
 * (so "Top 10 holdings" and "top ten holdings" share an answer), and only for read-only
 * intents. `ttlMs` 0 turns it off.
 */
export function readOnlyAnswersCache(
  db: Database,
  ttlMs = READ_ONLY_CACHE_TTL_MS,
): ResponseCacheOptions | false {
  if (ttlMs <= 0) return false;
  const vocab = loadVocabulary(db);
  return {
    ttlMs,
    scope: "principal",
    key(input) {
      const last = input.messages.findLast((m) => m.role === "user");
      const text = typeof last?.content === "string" ? last.content : undefined;
      if (!text) return undefined;
      const intent = classify(text, vocab, {});
      if (!READ_ONLY.has(intent.kind) || ("highlight" in intent && intent.highlight)) return undefined;
      return JSON.stringify(intent);
    },
  };
}
