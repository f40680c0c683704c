/**
 * A witness session: while a suite abuses the server from other sockets, it streams runs
 * back to back on its own socket and checks each one (contiguous seq from 1, the exact text,
 * a RUN_FINISHED). Whatever the abuse, the witness must never notice.
 */
import { connectPeer, type Peer, startRun } from "../helpers/ws-peer.js";
import { AUTH } from "./harness.js";

/** What the witness saw. */
export interface Witness {
  /** Runs that completed and checked out. */
  readonly completed: number;
  /** Everything that went wrong (empty when all is well). */
  readonly problems: string[];
  /** Stops after the current run; resolves when it has. */
  stop(): Promise<void>;
}

const TOKENS = 40;
const expected = Array.from({ length: TOKENS }, (_, i) => `t${i} `).join("");

/** Starts a witness on `wsUrl` (API-key auth) running the `streamer` test agent. */
export async function startWitness(wsUrl: string): Promise<Witness> {
  const peer: Peer = await connectPeer(wsUrl, AUTH);
  const problems: string[] = [];
  let completed = 0;
  let stopping = false;
  void peer.closed.then((c) => {
    if (!stopping) problems.push(`witness socket closed: ${c.code} ${c.reason}`);
  });
  const loop = (async () => {
    while (!stopping && problems.length === 0) {
      const runId = startRun(peer, "streamer", { forwardedProps: { count: TOKENS } });
      try {
        const events = await peer.runEvents(runId, 15_000);
        let last = 0;
        for (const f of events) {
          if ((f.first ?? f.seq) !== last + 1)
            problems.push(`seq ${f.first ?? f.seq} after ${last} in ${runId}`);
          last = f.seq;
        }
        const text = events
          .filter((f) => f.event.type === "TEXT_MESSAGE_CONTENT")
          .map((f) => f.event.delta)
          .join("");
        if (text !== expected) problems.push(`wrong text in ${runId}`);
        if (events.at(-1)?.event.type !== "RUN_FINISHED") problems.push(`${runId} did not finish`);
        completed++;
      } catch (err) {
        const mine = peer.frames.filter((f) => f.runId === runId);
        problems.push(`${runId}: ${(err as Error).message}; its frames: ${JSON.stringify(mine.slice(-3))}`);
      }
      // Keep the peer's frame list small over long suites.
      peer.frames.length = 0;
      // A polite client: well under the 200 frames/s a connection may send.
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  return {
    get completed() {
      return completed;
    },
    problems,
    async stop() {
      if (stopping) return;
      stopping = true;
      await loop;
      peer.close();
    },
  };
}
