/**
 * Who may do what with a thread. A thread belongs to the principal that created it; by
 * default only that principal reaches it. An app can grant more (a shared workspace, an
 * admin) with `threadAccess`, which is consulted only for principals other than the owner.
 * @module
 */
import type { Principal } from "../principal.js";

/** What a principal wants to do with a thread. */
export type ThreadAction = "read" | "run" | "follow" | "delete";

/**
 * Decides whether `principal` (not the owner) may perform `action` on the thread owned by
 * `thread.ownerId`. Listing is never granted: `GET /threads` shows a principal's own threads.
 * @example
 * // Members of the same organisation may read and follow each other's threads.
 * threadAccess: (p, t, action) => action !== "delete" && action !== "run" && sameOrg(p.id, t.ownerId)
 */
export type ThreadAccessPolicy = (
  principal: Principal,
  thread: { threadId: string; ownerId: string },
  action: ThreadAction,
) => boolean | Promise<boolean>;

/** True when `principal` owns the thread, or the policy grants the action. Never throws. */
export async function mayAccess(
  policy: ThreadAccessPolicy | undefined,
  principal: Principal,
  thread: { threadId: string; ownerId: string },
  action: ThreadAction,
): Promise<boolean> {
  if (principal.id === thread.ownerId) return true;
  if (!policy) return false;
  try {
    return (await policy(principal, thread, action)) === true;
  } catch {
    return false;
  }
}
