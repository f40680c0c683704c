/**
 * MESSAGES_SNAPSHOT, folded as AG-UI's client applies it: the snapshot is the conversation,
 * except for the kinds of message agents usually leave out of their snapshots.
 * @module
 */
import type { Message } from "@ag-ui/core";
import { type FoldState, replaceMessages } from "./fold-state.js";

/** The metadata key under which AG-UI's client scopes which activity types a snapshot owns. */
const ACTIVITY_HISTORY_METADATA = "@ag-ui/client";

/**
 * Which activity types the snapshot speaks for: `null` all of them, an array those, undefined
 * (no declaration) "all of them if it carries any activity message".
 */
function authoritativeActivityTypes(metadata: unknown): string[] | null | undefined {
  if (
    typeof metadata !== "object" ||
    metadata === null ||
    !Object.hasOwn(metadata, ACTIVITY_HISTORY_METADATA)
  )
    return undefined;
  const value = (metadata as Record<string, unknown>)[ACTIVITY_HISTORY_METADATA];
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [];
  if (!Object.hasOwn(value, "authoritativeActivityTypes")) return undefined;
  const types = (value as Record<string, unknown>).authoritativeActivityTypes;
  if (types === null) return null;
  return Array.isArray(types) && types.every((t) => typeof t === "string") ? types : [];
}

/**
 * Applies a MESSAGES_SNAPSHOT:
 * - a message in the snapshot replaces the message with its id, where that message is;
 * - a message not in the snapshot is dropped, except reasoning messages when the snapshot has
 *   none, and activity messages the snapshot does not speak for (see
 *   `authoritativeActivityTypes`; by default: when it has no activity message);
 * - snapshot messages not yet in the transcript are appended in the snapshot's order.
 * Identical messages keep their snapshot objects (no re-render).
 */
export function applyMessagesSnapshot(
  fold: FoldState,
  messages: readonly Message[],
  metadata: unknown,
): void {
  const incoming = new Map<string, Message>();
  let hasActivity = false;
  let hasReasoning = false;
  for (const m of messages) {
    if (!incoming.has(m.id)) incoming.set(m.id, m);
    if (m.role === "activity") hasActivity = true;
    else if ((m.role as string) === "reasoning") hasReasoning = true;
  }
  const scope = authoritativeActivityTypes(metadata);
  const keepUnlisted = (m: Record<string, any>): boolean =>
    (m.role === "activity" && (scope ? !scope.includes(m.activityType) : scope !== null && !hasActivity)) ||
    (m.role === "reasoning" && !hasReasoning);
  const next: Message[] = [];
  const placed = new Set<string>();
  for (const entry of fold.entries) {
    const replacement = incoming.get(entry.msg.id);
    if (replacement) next.push(replacement);
    else if (keepUnlisted(entry.msg)) next.push(entry.msg);
    else continue;
    placed.add(entry.msg.id);
  }
  for (const m of incoming.values()) if (!placed.has(m.id)) next.push(m);
  replaceMessages(fold, next, fold.runId);
}
