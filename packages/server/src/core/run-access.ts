/**
 * The one rule for reading a run (resume, retry-as-resume, attach, and announcing a followed
 * thread's runs), the same on every binding:
 *
 * - the run's owner may always read it (the run itself names its owner: no store read, so a
 *   store outage or a node with its own store never locks owners out of their runs);
 * - another principal may when the thread store lets it `follow` the run's thread; `forbidden`
 *   otherwise, `unavailable` while the store is down;
 * - without a store (`store: false`) only the owner may;
 * - a deleted thread's runs are dropped from the registry when it is deleted (RunCore.deleteThread),
 *   so resuming them is `resume_unavailable` for everyone, as for any unknown run; and where a
 *   node still holds one (the thread was deleted elsewhere), another principal may read it only
 *   while its starter may still `run` on the thread as it is now, so a new owner of the same id
 *   never reads the old owner's runs.
 *
 * Writing (cancel) is the owner's alone; starting a run on a thread is the run authorizers' call.
 * @module
 */
import { ErrorCode } from "@backchannel/protocol";
import type { Logger } from "../logger.js";
import type { Principal } from "../principal.js";
import type { Run } from "../runs/run.js";
import type { ThreadAction } from "../store/thread-access.js";
import { type Outcome, refusalFrom, refuse } from "./outcome.js";

/** What the rule asks the thread store: who may do `action` on a thread. */
export interface ThreadAccessCheck {
  /** "ok", "not_found" (no such thread: never saved, or deleted) or "forbidden"; throws when the store is down. */
  check(
    principal: Principal,
    threadId: string,
    action: ThreadAction,
  ): Promise<"ok" | "not_found" | "forbidden">;
}

/** Refusal message for a run that is not this principal's. */
export const NOT_YOURS = "This run belongs to another user";

/** Decides who may read a run. */
export class RunAccess {
  constructor(
    private readonly threads: () => ThreadAccessCheck | undefined,
    private readonly logger: Logger,
  ) {}

  /** Whether `principal` may read `run` (see the module comment). */
  async read(principal: Principal, run: Run): Promise<Outcome<object>> {
    if (run.principal.id === principal.id) return { ok: true };
    const threads = this.threads();
    if (!threads) return refuse(ErrorCode.Forbidden, NOT_YOURS);
    let verdict: "ok" | "not_found" | "forbidden";
    try {
      verdict = await threads.check(principal, run.threadId, "follow");
      // The run must belong to the thread as it is now: a thread deleted where this node did not
      // see it (another node, the store itself) and claimed again by someone else keeps its id,
      // and its old runs must not become readable by the new owner. Their starter may not run
      // on the new owner's thread, so they are refused.
      if (verdict === "ok") verdict = await threads.check(run.principal, run.threadId, "run");
    } catch (err) {
      return refusalFrom(err, this.logger);
    }
    return verdict === "ok" ? { ok: true } : refuse(ErrorCode.Forbidden, NOT_YOURS);
  }

  /** `read` as a yes/no, for announcing a followed thread's runs (a refusal is simply not announced). */
  async mayRead(principal: Principal, run: Run): Promise<boolean> {
    return (await this.read(principal, run)).ok;
  }
}
