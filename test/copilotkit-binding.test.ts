/**
 * The CopilotKit runtime binding over real HTTP: discovery with the `default` mapping, connect
 * (empty, and re-attaching to a run in flight), stop (cancels on the server, owner only), CORS
 * preflight, and turning the routes off. The browser suite (test/browser/copilotkit.test.ts)
 * drives the same routes with CopilotKit's own React packages.
 */
import { CopilotKitSDK, type ListeningServer } from "@backchannel/server";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";

const KEYS = { alice: "ck-binding-alice-0123456789", bob: "ck-binding-bob-0123456789" };
const as = (who: keyof typeof KEYS) => ({ authorization: `Bearer ${KEYS[who]}` });
const ORIGIN = "https://app.example.test";

const signals = new Map<string, AbortSignal>();
const releases = new Map<string, () => void>();

/** One token, then waits for the test or a cancel. */
const waiter = {
  name: "waiter",
  description: "Waits for the test",
  async *run(input: any, ctx: any) {
    signals.set(input.runId, ctx.signal);
    const released = new Promise<void>((resolve) => releases.set(input.runId, resolve));
    const aborted = new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
    yield { type: "TEXT_MESSAGE_START", messageId: `m-${input.runId}`, role: "assistant" };
    yield { type: "TEXT_MESSAGE_CONTENT", messageId: `m-${input.runId}`, delta: "first" };
    await Promise.race([released, aborted]);
    if (ctx.signal.aborted) return;
    yield { type: "TEXT_MESSAGE_END", messageId: `m-${input.runId}` };
  },
};
const other = { name: "other", description: "Another agent", async *run() {} };

let srv: ListeningServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

async function serve(copilotKit?: { defaultAgent?: string } | false) {
  srv = await new CopilotKitSDK({
    agents: [waiter, other],
    auth: { apiKeys: KEYS },
    allowedOrigins: [ORIGIN],
    logger: pino({ level: "silent" }),
    store: false,
    ...(copilotKit !== undefined ? { copilotKit } : {}),
  }).listen({ port: 0 });
  return `${srv.httpUrl}/copilotkit`;
}

const sse = { "content-type": "application/json", accept: "text/event-stream" };
const input = (threadId: string, runId: string) =>
  JSON.stringify({ threadId, runId, messages: [{ id: `u-${runId}`, role: "user", content: "hi" }] });

/** Starts a run through CopilotKit's run route; resolves once its first token arrived. */
async function startRun(base: string, threadId: string, runId: string) {
  const controller = new AbortController();
  const res = await fetch(`${base}/agent/default/run`, {
    method: "POST",
    headers: { ...as("alice"), ...sse },
    body: input(threadId, runId),
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  let text = "";
  while (!text.includes("first")) text += new TextDecoder().decode((await reader.read()).value);
  return { close: () => controller.abort() };
}

describe("CopilotKit runtime binding", () => {
  it("GET /info lists the agents and maps `default` to the first one, or to defaultAgent", async () => {
    let base = await serve();
    expect((await fetch(`${base}/info`)).status).toBe(401);
    let info = (await (await fetch(`${base}/info`, { headers: as("alice") })).json()) as any;
    expect(Object.keys(info.agents)).toEqual(["default", "waiter", "other"]);
    expect(info.agents.default.description).toBe("Waits for the test");
    expect(info).toMatchObject({ mode: "sse", audioFileTranscriptionEnabled: false });
    await srv!.close();
    base = await serve({ defaultAgent: "other" });
    info = (await (await fetch(`${base}/info`, { headers: as("alice") })).json()) as any;
    expect(info.agents.default.description).toBe("Another agent");
    const unknown = await fetch(`${base}/agent/nope/run`, {
      method: "POST",
      headers: { ...as("alice"), ...sse },
      body: input("t0", "r0"),
    });
    expect(unknown.status).toBe(404);
  });

  it("copilotKit: false leaves the routes out", async () => {
    const base = await serve(false);
    expect((await fetch(`${base}/info`, { headers: as("alice") })).status).toBe(404);
  });

  it("connect: empty with nothing running; mid-run, the conversation then the run from its buffer", async () => {
    const base = await serve();
    const empty = await fetch(`${base}/agent/default/connect`, {
      method: "POST",
      headers: { ...as("alice"), ...sse },
      body: input("t-idle", "c0"),
    });
    expect(empty.status).toBe(200);
    expect(await empty.text()).toBe("");

    const run = await startRun(base, "t-live", "r-live");
    run.close();
    const connect = await fetch(`${base}/agent/default/connect`, {
      method: "POST",
      headers: { ...as("alice"), ...sse },
      body: JSON.stringify({ threadId: "t-live", runId: "c1", messages: [] }),
    });
    releases.get("r-live")!();
    const events = (await connect.text())
      .split("\n")
      .filter((l) => l.startsWith("data: "))
      .map((l) => JSON.parse(l.slice(6)));
    expect(events.map((e) => e.type)).toEqual([
      "MESSAGES_SNAPSHOT",
      "RUN_STARTED",
      "TEXT_MESSAGE_START",
      "TEXT_MESSAGE_CONTENT",
      "TEXT_MESSAGE_END",
      "RUN_FINISHED",
    ]);
    expect(events[0].messages).toEqual([{ id: "u-r-live", role: "user", content: "hi" }]);
    expect(events[1].runId).toBe("r-live");

    // Another user's thread: nothing to re-attach to (without a store, a principal follows only its runs).
    const bob = await fetch(`${base}/agent/default/connect`, {
      method: "POST",
      headers: { ...as("bob"), ...sse },
      body: JSON.stringify({ threadId: "t-live", runId: "c2", messages: [] }),
    });
    expect(await bob.text()).toBe("");
  });

  it("stop cancels the caller's run on the thread, not another user's", async () => {
    const base = await serve();
    const run = await startRun(base, "t-stop", "r-stop");
    const bob = await fetch(`${base}/agent/default/stop/t-stop`, { method: "POST", headers: as("bob") });
    expect(await bob.json()).toMatchObject({ stopped: false });
    expect(signals.get("r-stop")!.aborted).toBe(false);
    const res = await fetch(`${base}/agent/default/stop/t-stop`, {
      method: "POST",
      headers: { ...as("alice"), "content-type": "application/json" },
      body: JSON.stringify({ runId: "r-stop" }),
    });
    expect(await res.json()).toMatchObject({ stopped: true, runIds: ["r-stop"] });
    expect(signals.get("r-stop")!.aborted).toBe(true);
    run.close();
  });

  it("answers CORS preflights for an allowed origin (direct use from the browser)", async () => {
    const base = await serve();
    for (const path of ["/info", "/agent/default/run", "/agent/default/connect", "/agent/default/stop/t1"]) {
      const res = await fetch(`${base}${path}`, {
        method: "OPTIONS",
        headers: {
          origin: ORIGIN,
          "access-control-request-method": path === "/info" ? "GET" : "POST",
          "access-control-request-headers": "authorization, content-type",
        },
      });
      expect(res.status, path).toBe(204);
      expect(res.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    }
    const info = await fetch(`${base}/info`, { headers: { ...as("alice"), origin: ORIGIN } });
    expect(info.headers.get("access-control-allow-origin")).toBe(ORIGIN);
  });
});
