/**
 * The page of the SSE fallback browser test: a framework-free client pointed at the app's own
 * `/api/copilotkit` route (the browser holds no credential; its session cookie does the rest).
 * It exposes what the test asserts on as `window.__sse`.
 */
import { createClient } from "@backchannel/client";

const state = {
  connectionState: "disconnected",
  sessionId: "",
  principal: "",
  runs: [] as { agent: string; status: string; text: string }[],
  errors: [] as string[],
};
(window as any).__sse = state;

const client = createClient({ runtimeUrl: "/api/copilotkit", websocketRetryMs: 400 });
client.subscribe(() => {
  state.connectionState = client.connectionState;
  state.sessionId = client.ready?.sessionId ?? "";
  state.principal = client.ready?.principal.id ?? "";
});

/** Runs `agent` and records its text and final status. */
(window as any).__run = async (agent: string, forwardedProps: Record<string, unknown> = {}) => {
  const run = client.startRun({ agent, input: { forwardedProps } });
  let text = "";
  run.on((event) => {
    if (event.type === "TEXT_MESSAGE_CONTENT") text += (event as unknown as { delta: string }).delta;
  });
  const result = await run.done;
  if (result.error) state.errors.push(`${result.error.code}: ${result.error.message}`);
  state.runs.push({ agent, status: result.status, text });
  return { status: result.status, text };
};
