import type { Principal } from "../principal.js";
import type { Run } from "./run.js";

/** What deciding a resume needs from the runtime. */
export interface ResumeAuthority {
  /** Whether `principal` may see `run` on a thread it may follow (see ThreadFollowing.mayFollow). */
  mayFollow?(principal: Principal, run: Run): Promise<boolean>;
}

/**
 * Whether `principal` may resume (replay and stream) `run`: its own run, or a run on a thread
 * it may follow. The one rule for the WebSocket `resume` frame and `GET /runs/:id/events`, so
 * the two transports can never disagree.
 */
export async function mayResume(host: ResumeAuthority, principal: Principal, run: Run): Promise<boolean> {
  if (run.principal.id === principal.id) return true;
  return (await host.mayFollow?.(principal, run)) === true;
}
