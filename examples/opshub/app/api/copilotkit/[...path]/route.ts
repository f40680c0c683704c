// app/api/copilotkit/[...path]/route.ts — the proxy between the browser and the agent backend.
// The browser calls its own origin with its session cookie; this route swaps the cookie for
// the user's JWT (getAuthHeaders) and forwards: POST /connect hands the browser the socket
// URL and a single-use ticket (never the JWT), and the SSE fallback streams through unbuffered.
import { createCopilotRouteHandlers } from "@backchannel/next";
import { getAuthHeaders } from "@/lib/api/backend-auth";
import { buildAgentUrl } from "@/lib/config/agent-backend-url";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const { GET, POST, DELETE } = createCopilotRouteHandlers({
  backendUrl: buildAgentUrl("/copilotkit"),
  getAuthHeaders: () => getAuthHeaders(),
  ...(process.env.AGENT_PUBLIC_WS_URL ? { publicWsUrl: process.env.AGENT_PUBLIC_WS_URL } : {}),
});
