import { createHash } from "node:crypto";
import type { RunAgentInput } from "@ag-ui/core";
import type { Principal } from "../principal.js";
import type { CacheScope } from "./types.js";

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` hash the same. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/**
 * The last user message, normalized: Unicode NFKC, case folded, whitespace collapsed and
 * trimmed, so "Top 10 holdings" and " top 10  HOLDINGS" share an entry. Non-text parts
 * (images, files) are kept verbatim. Undefined when the input has no user message.
 */
export function normalizedLastUserMessage(input: RunAgentInput): string | undefined {
  const last = [...(input.messages ?? [])].reverse().find((m) => m.role === "user");
  if (!last) return undefined;
  const content = (last as { content?: unknown }).content;
  const norm = (text: string) => text.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();
  if (typeof content === "string") return norm(content);
  if (Array.isArray(content)) {
    return stableJson(
      content.map((part: { type?: string; text?: unknown }) =>
        part?.type === "text" && typeof part.text === "string" ? norm(part.text) : part,
      ),
    );
  }
  return stableJson(content ?? null);
}

/**
 * The default key's parts: the normalized last user message and hashes of the context
 * (readables), the tools offered, the state sent and the forwarded props. Undefined (do not
 * cache) without a user message.
 */
export function defaultKeyParts(input: RunAgentInput): string | undefined {
  const message = normalizedLastUserMessage(input);
  if (message === undefined) return undefined;
  return stableJson([
    message,
    sha256(stableJson(input.context ?? [])),
    sha256(stableJson(input.tools ?? [])),
    sha256(stableJson(input.state ?? null)),
    sha256(stableJson(input.forwardedProps ?? null)),
  ]);
}

/**
 * The stored key: a SHA-256 over the agent, the scope's owner (the principal's kind and id,
 * or `*` for `global`) and the request's key, so no key function can make two agents, or
 * with scope `principal` two users, share an entry.
 */
export function cacheKey(agent: string, scope: CacheScope, principal: Principal, requestKey: string): string {
  const owner = scope === "global" ? "*" : `${principal.kind}:${principal.id}`;
  return sha256(stableJson(["backchannel.cache.v1", agent, owner, requestKey]));
}
