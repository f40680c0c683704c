/**
 * Merging a stored conversation into a live transcript (a followed run's question, which only
 * the stored conversation has).
 * @module
 */
import type { Message } from "@ag-ui/core";

/**
 * `local` plus the messages of `stored` it lacks, each placed before the message that follows
 * it in `stored` (or at the end). `local` itself when nothing is missing.
 */
export function withMissing(local: readonly Message[], stored: readonly Message[]): readonly Message[] {
  const have = new Set(local.map((m) => m.id));
  if (stored.every((m) => have.has(m.id))) return local;
  const before = new Map<string, Message[]>();
  let pending: Message[] = [];
  for (const message of stored) {
    if (!have.has(message.id)) pending.push(message);
    else if (pending.length) {
      before.set(message.id, pending);
      pending = [];
    }
  }
  const out: Message[] = [];
  for (const message of local) out.push(...(before.get(message.id) ?? []), message);
  out.push(...pending);
  return out;
}
