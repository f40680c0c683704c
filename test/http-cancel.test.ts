/**
 * Cancel over HTTP: a run whose SSE stream closed and that nobody resumes within
 * `abandonedRuns.graceMs` is cancelled (AG-UI's own `HttpAgent.abortRun()` now stops the run on
 * the server); a resume within the grace keeps it; WebSocket drops never cancel unless the
 * deployment opts in. Real HTTP, real sockets, the real `@ag-ui/client`.
 */
import { HttpAgent } from "@ag-ui/client";
import { CopilotKitSDK, type ListeningServer } from "@backchannel/server";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { connectPeer, startRun } from "./helpers/ws-peer.js";

const KEY = "http-cancel-key-0123456789";
const auth = { authorization: `Bearer ${KEY}` };

/** Per run: resolves when the agent saw its AbortSignal fire; `release` lets it finish. */
const runs = new Map<string, { aborted: Promise<void>; release: () => void; signal: AbortSignal }>();

/** Streams one token, then waits for the test (release) or a cancel (abort). */
const waiter = {
  name: "waiter",
  description: "Waits for the test",
  async *run(input: any, ctx: any) {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const aborted = new Promise<void>((resolve) =>
      ctx.signal.addEventListener("abort", () => resolve(), { once: true }),
    );
    runs.set(input.runId, { aborted, release, signal: ctx.signal });
    const messageId = `w-${input.runId}`;
    yield { type: "TEXT_MESSAGE_START", messageId, role: "assistant" };
    yield { type: "TEXT_MESSAGE_CONTENT", messageId, delta: "thinking" };
    await Promise.race([released, aborted]);
    if (ctx.signal.aborted) return;
    yield { type: "TEXT_MESSAGE_CONTENT", messageId, delta: " done" };
    yield { type: "TEXT_MESSAGE_END", messageId };
  },
};

let srv: ListeningServer | undefined;
let lines: { msg?: string; runId?: string; transport?: string }[] = [];
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

async function serve(abandonedRuns: { graceMs?: number; webSocket?: boolean }) {
  lines = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  srv = await new CopilotKitSDK({ agents: [waiter], auth: { apiKeys: KEY }, logger, abandonedRuns }).listen({
    port: 0,
  });
  return srv;
}

/** Resolves once a log line matching `pred` was written. */
async function logged(pred: (line: (typeof lines)[number]) => boolean): Promise<void> {
  while (!lines.some(pred)) await new Promise((resolve) => setTimeout(resolve, 10));
}

async function started(runId: string) {
  while (!runs.has(runId)) await new Promise((resolve) => setTimeout(resolve, 10));
  return runs.get(runId)!;
}

/** How an ended run ended (cancelling an ended run changes nothing and reports that). */
async function status(base: string, runId: string): Promise<string> {
  const res = await fetch(`${base}/copilotkit/runs/${runId}/cancel`, { method: "POST", headers: auth });
  return ((await res.json()) as { status: string }).status;
}

/** Opens an SSE run over plain fetch and returns once its first token arrived. */
async function openRun(base: string, runId: string) {
  const controller = new AbortController();
  const res = await fetch(`${base}/copilotkit/agents/waiter/run`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ threadId: `t-${runId}`, runId, messages: [] }),
    signal: controller.signal,
  });
  const reader = res.body!.getReader();
  let text = "";
  while (!text.includes("thinking")) text += new TextDecoder().decode((await reader.read()).value);
  return { abort: () => controller.abort(), text };
}

describe("abandoned HTTP runs", () => {
  it("AG-UI HttpAgent.abortRun() stops the run on the server after the grace period", async () => {
    const { httpUrl } = await serve({ graceMs: 200 });
    const agent = new HttpAgent({
      url: `${httpUrl}/copilotkit/agents/waiter/run`,
      headers: auth,
      initialMessages: [{ id: "u1", role: "user", content: "go" }],
    });
    const runId = "agui-abort-1";
    const done = agent
      .runAgent(
        { runId },
        {
          onTextMessageContentEvent: () => {
            agent.abortRun();
          },
        },
      )
      .catch(() => undefined);
    const run = await started(runId);
    await run.aborted;
    await done;
    expect(await status(httpUrl, runId)).toBe("cancelled");
    expect(lines.some((l) => l.runId === runId && /nobody resumed it/.test(l.msg ?? ""))).toBe(true);
  });

  it("keeps a run whose stream closed when it is resumed within the grace period", async () => {
    const { httpUrl } = await serve({ graceMs: 2_000 });
    const runId = "resumed-1";
    const first = await openRun(httpUrl, runId);
    first.abort();
    const resumed = await fetch(`${httpUrl}/copilotkit/runs/${runId}/events`, {
      headers: { ...auth, accept: "text/event-stream", "last-event-id": "1" },
    });
    expect(resumed.status).toBe(200);
    // The grace period ran out while the resumed stream followed the run: it was kept.
    await logged((l) => l.runId === runId && /followed again/.test(l.msg ?? ""));
    (await started(runId)).release();
    const text = await resumed.text();
    expect(text).toContain(" done");
    expect(text).toContain("RUN_FINISHED");
    expect(await status(httpUrl, runId)).toBe("finished");
  });

  it("POST /runs/:id/cancel stays immediate", async () => {
    const { httpUrl } = await serve({ graceMs: 600_000 });
    const runId = "explicit-1";
    const stream = await openRun(httpUrl, runId);
    expect(await status(httpUrl, runId)).toBe("cancelled");
    await (await started(runId)).aborted;
    stream.abort();
  });

  it("graceMs: 0 turns the rule off", async () => {
    const { httpUrl } = await serve({ graceMs: 0 });
    const runId = "rule-off-1";
    (await openRun(httpUrl, runId)).abort();
    // Not cancelled on the spot (0 is "off", not "no grace"): a later resume finds it running.
    const resumed = await fetch(`${httpUrl}/copilotkit/runs/${runId}/events`, {
      headers: { ...auth, accept: "text/event-stream", "last-event-id": "2" },
    });
    (await started(runId)).release();
    expect(await resumed.text()).toContain("RUN_FINISHED");
    expect(await status(httpUrl, runId)).toBe("finished");
  });
});

describe("abandoned WebSocket runs", () => {
  it("a dropped socket never cancels by default, while an abandoned HTTP run is cancelled", async () => {
    const { httpUrl, wsUrl } = await serve({ graceMs: 200 });
    const peer = await connectPeer(wsUrl, { headers: auth });
    const wsRunId = startRun(peer, "waiter");
    await peer.next((f) => f.type === "event" && f.event.type === "TEXT_MESSAGE_CONTENT");
    peer.close();
    await peer.closed;
    // An HTTP run abandoned after the socket dropped: once its grace ran out, the socket's had too.
    const httpRunId = "after-ws-1";
    (await openRun(httpUrl, httpRunId)).abort();
    await (await started(httpRunId)).aborted;
    expect(await status(httpUrl, httpRunId)).toBe("cancelled");
    const wsRun = await started(wsRunId);
    expect(wsRun.signal.aborted).toBe(false);
    wsRun.release();
  });

  it("with abandonedRuns.webSocket a dropped socket's run is cancelled after the grace period", async () => {
    const { httpUrl, wsUrl } = await serve({ graceMs: 200, webSocket: true });
    const peer = await connectPeer(wsUrl, { headers: auth });
    const runId = startRun(peer, "waiter");
    await peer.next((f) => f.type === "event" && f.event.type === "TEXT_MESSAGE_CONTENT");
    peer.close();
    await (await started(runId)).aborted;
    expect(await status(httpUrl, runId)).toBe("cancelled");
  });
});
