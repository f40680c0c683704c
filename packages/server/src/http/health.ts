import type { ServerResponse } from "node:http";
import type { AgentInfo } from "@backchannel/protocol";
import { sendJson } from "./respond.js";

/** Features reported by `/health`, in the seed's words plus what Backchannel adds. */
export const FEATURES = [
  "WebSocket bidirectional communication",
  "LangGraph agent integration",
  "Real-time state synchronization",
  "Tool execution streaming",
  "Resumable runs (per-run sequence numbers)",
  "Run cancellation",
  "Heartbeats",
  "HTTP + Server-Sent Events fallback (AG-UI HTTP binding)",
];

/** Answers `GET /health`: 200 `{status:"healthy",...}` or 503 naming each failing dependency. */
export async function answerHealth(
  res: ServerResponse,
  info: {
    service: string;
    agents: AgentInfo[];
    features: string[];
    checks: { name: string; check: () => Promise<void> }[];
  },
): Promise<void> {
  const failing: { name: string; error: string }[] = [];
  await Promise.all(
    info.checks.map(async ({ name, check }) => {
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) =>
            setTimeout(() => reject(new Error("timed out after 3000 ms")), 3000).unref(),
          ),
        ]);
      } catch (err) {
        failing.push({ name, error: err instanceof Error ? err.message : String(err) });
      }
    }),
  );
  const body = {
    status: failing.length ? "unhealthy" : "healthy",
    service: info.service,
    agents: info.agents,
    features: info.features,
    protocol: "backchannel.v1",
    ...(failing.length ? { failing } : {}),
  };
  sendJson(res, failing.length ? 503 : 200, body);
}
