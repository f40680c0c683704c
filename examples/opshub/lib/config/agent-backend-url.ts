/**
 * Where the Next.js server reaches the agent backend (never the browser: it goes through
 * /api/copilotkit).
 * @module
 */

/** The backend's origin: `AGENT_BACKEND_URL`, else `http://127.0.0.1:${AGENT_PORT ?? 8000}`. */
export function agentOrigin(): string {
  return (process.env.AGENT_BACKEND_URL ?? `http://127.0.0.1:${process.env.AGENT_PORT ?? 8000}`).replace(
    /\/+$/,
    "",
  );
}

/** An absolute backend URL for `path`, e.g. `buildAgentUrl("/copilotkit/ws")`. */
export function buildAgentUrl(path: string): string {
  return `${agentOrigin()}${path.startsWith("/") ? path : `/${path}`}`;
}
