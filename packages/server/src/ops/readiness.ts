/**
 * `GET <basePath>/ready`, for orchestrators' readiness probes: 200 while this node takes new
 * connections and its dependencies (store, Redis) answer; 503 from the moment it drains
 * (SIGTERM) or while a dependency is down. `/health` stays the liveness answer.
 * @module
 */
import type { ServerResponse } from "node:http";
import { sendJson } from "../http/respond.js";

const CHECK_TIMEOUT_MS = 2_000;

/** Answers a readiness probe. */
export async function answerReady(
  res: ServerResponse,
  state: { draining: boolean; checks: readonly { name: string; check: () => Promise<void> }[] },
): Promise<void> {
  if (state.draining) return sendJson(res, 503, { status: "draining" });
  const failing: string[] = [];
  await Promise.all(
    state.checks.map(async ({ name, check }) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error("timeout")), CHECK_TIMEOUT_MS);
          }),
        ]);
      } catch {
        failing.push(name);
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  // Names only: the readiness port is often reachable by more than the operators.
  if (failing.length) return sendJson(res, 503, { status: "not_ready", failing });
  sendJson(res, 200, { status: "ready" });
}
