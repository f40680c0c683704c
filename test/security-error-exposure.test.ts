/**
 * Security finding 14: details leak. An agent's exception text reached the browser verbatim,
 * and the unauthenticated `/health` showed raw database error text. Now clients get a generic
 * message with an error id (logged next to the full error) unless the deployment sets
 * `exposeErrors`; `/health` without credentials says only healthy/degraded.
 */
import { CopilotKitSDK, type ListeningServer } from "@backchannel/server";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { testAgents } from "./helpers/agents.js";
import { connectPeer, startRun } from "./helpers/ws-peer.js";

const KEY = "exposure-key-0000000000";
const AUTH = { authorization: `Bearer ${KEY}` };
const SECRET_TEXT = 'password authentication failed for user "billing" at 10.0.3.7:5432';
const servers: ListeningServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function serve(extra: Record<string, unknown> = {}) {
  const logs: any[] = [];
  const sdk = new CopilotKitSDK({
    agents: testAgents as never,
    auth: { apiKeys: { tests: KEY } },
    logger: pino({ level: "info" }, { write: (line: string) => logs.push(JSON.parse(line)) }),
    healthChecks: [
      {
        name: "database",
        check: async () => {
          throw new Error(SECRET_TEXT);
        },
      },
    ],
    ...extra,
  });
  const srv = await sdk.listen({ port: 0 });
  servers.push(srv);
  return { srv, logs };
}

describe("agent exception text", () => {
  it("reaches the client as a generic message with an error id (WebSocket and SSE); the log has both", async () => {
    const { srv, logs } = await serve();
    const peer = await connectPeer(srv.wsUrl, { headers: AUTH });
    const runId = startRun(peer, "thrower");
    const terminal = (await peer.runEvents(runId)).at(-1).event;
    peer.close();
    expect(terminal.type).toBe("RUN_ERROR");
    expect(terminal.message).not.toContain("model exploded");
    const errorId = /error id ([0-9a-f-]{36})/.exec(terminal.message)?.[1];
    expect(errorId).toBeDefined();
    const logged = logs.find((l) => l.errorId === errorId);
    expect(logged?.err?.message).toBe("model exploded");

    const res = await fetch(`${srv.httpUrl}/copilotkit/agents/thrower/run`, {
      method: "POST",
      headers: { ...AUTH, "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({
        threadId: `t-${Date.now()}`,
        runId: `sse-${Date.now()}`,
        messages: [],
        tools: [],
        context: [],
        state: {},
        forwardedProps: {},
      }),
    });
    const text = await res.text();
    expect(text).toContain("RUN_ERROR");
    expect(text).not.toContain("model exploded");
    expect(text).toMatch(/The agent failed \(error id [0-9a-f-]{36}\)/);
  });

  it("is sent as it is when the deployment opts in with exposeErrors", async () => {
    const { srv } = await serve({ exposeErrors: true });
    const peer = await connectPeer(srv.wsUrl, { headers: AUTH });
    const runId = startRun(peer, "thrower");
    expect((await peer.runEvents(runId)).at(-1).event.message).toBe("model exploded");
    peer.close();
  });
});

describe("/health", () => {
  it("without credentials says only degraded: no dependency names, no error text; the log has it", async () => {
    const { srv, logs } = await serve();
    const res = await fetch(`${srv.httpUrl}/copilotkit/health`);
    expect(res.status).toBe(503);
    const raw = await res.text();
    expect(JSON.parse(raw)).toMatchObject({ status: "degraded" });
    expect(JSON.parse(raw).failing).toBeUndefined();
    expect(raw).not.toContain("10.0.3.7");
    expect(raw).not.toContain("database");
    expect(logs.some((l) => l.check === "database" && l.err?.message === SECRET_TEXT)).toBe(true);
  });

  it("names the failing dependency to a caller with valid credentials, and its error text only with exposeErrors", async () => {
    const { srv } = await serve();
    const named = await fetch(`${srv.httpUrl}/copilotkit/health`, { headers: AUTH });
    expect(named.status).toBe(503);
    const body = await named.json();
    expect(body.failing).toEqual([{ name: "database" }]);
    expect(JSON.stringify(body)).not.toContain("10.0.3.7");

    const dev = await serve({ exposeErrors: true });
    const detailed = await fetch(`${dev.srv.httpUrl}/copilotkit/health`, { headers: AUTH });
    expect((await detailed.json()).failing).toEqual([{ name: "database", error: SECRET_TEXT }]);
    const anonymous = await fetch(`${dev.srv.httpUrl}/copilotkit/health`);
    expect(await anonymous.text()).not.toContain("10.0.3.7");
  });
});
