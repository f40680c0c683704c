/**
 * `backchannel serve` hosting a LangGraph agent end to end: the CLI loads
 * packages/langgraph/examples/agents.mjs (the README's example), whose chat model talks
 * to a local server speaking OpenAI's streaming wire format; a real WebSocket client
 * runs it, sees tool calls, results and streamed text, and cancels a run mid-answer.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ProviderServer, startOpenAIServer } from "../packages/langgraph/test/provider-servers.js";
import { connectPeer, startRun } from "./helpers/ws-peer.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = `${ROOT}packages/server/bin/backchannel.js`;
const EXAMPLE = `${ROOT}packages/langgraph/examples/agents.mjs`;
const API_KEY = "serve-test-key-42";

let child: ChildProcess | undefined;
let provider: ProviderServer | undefined;

beforeAll(() => {
  // The CLI runs compiled code (dist/), as it does for users after `npm run build`.
  execFileSync(`${ROOT}node_modules/.bin/tsc`, ["-b", "packages/langgraph"], { cwd: ROOT, stdio: "pipe" });
  expect(existsSync(`${ROOT}packages/langgraph/dist/index.js`)).toBe(true);
}, 120_000);

afterEach(async () => {
  child?.kill("SIGKILL");
  child = undefined;
  await provider?.close();
  provider = undefined;
});

function serve(env: Record<string, string>): Promise<{ wsUrl: string; output: () => string }> {
  child = spawn(process.execPath, [BIN, "serve", EXAMPLE, "--port", "0"], {
    env: { ...process.env, LOG_LEVEL: "warn", AGENT_API_KEY: API_KEY, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => {
    out += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`CLI did not start: ${out}`)), 15_000);
    child!.stderr!.on("data", (d) => {
      out += d;
      const m = /at (ws:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ wsUrl: m[1]!, output: () => out });
      }
    });
    child!.once("exit", (code) => reject(new Error(`CLI exited with ${code}: ${out}`)));
  });
}

const openAIEnv = (p: ProviderServer) => ({
  OPENAI_API_KEY: "sk-provider-secret",
  OPENAI_BASE_URL: `${p.url}/v1`,
  OPENAI_MODEL: "gpt-test",
});

describe("backchannel serve with a LangGraphAgent", () => {
  it("runs the graph over the socket: tool call, tool result, streamed answer", async () => {
    provider = await startOpenAIServer([
      { toolCalls: [{ id: "call_nav", name: "get_nav", args: ['{"fund":', '"Alpha Growth"}'] }] },
      { text: ["Alpha Growth", "'s NAV is", " 101.52 USD."] },
    ]);
    const { wsUrl, output } = await serve(openAIEnv(provider));
    const peer = await connectPeer(wsUrl, { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(peer.frames[0].agents.map((a: any) => a.name)).toEqual(["opshub-nav-agent"]);

    const runId = startRun(peer, "opshub-nav-agent", {
      messages: [{ id: "u1", role: "user", content: "NAV of Alpha Growth?" }],
      context: [{ description: "Current page", value: "Fund overview" }],
    });
    const frames = await peer.runEvents(runId);
    const events = frames.map((f) => f.event);
    expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({ type: "RUN_STARTED", runId });
    expect(events.find((e) => e.type === "TOOL_CALL_START")).toMatchObject({
      toolCallId: "call_nav",
      toolCallName: "get_nav",
    });
    expect(events.find((e) => e.type === "TOOL_CALL_RESULT")).toMatchObject({
      toolCallId: "call_nav",
      content: "Alpha Growth: NAV 101.52 USD",
    });
    const text = events
      .filter((e) => e.type === "TEXT_MESSAGE_CONTENT")
      .map((e) => e.delta)
      .join("");
    expect(text).toBe("Alpha Growth's NAV is 101.52 USD.");
    expect(events.at(-1)).toMatchObject({ type: "RUN_FINISHED", outcome: { type: "success" } });
    // The page's context reached the model; the provider key never reached the logs.
    expect(JSON.stringify(provider.requests[0]?.body.messages[0])).toContain("Current page: Fund overview");
    expect(output()).not.toContain("sk-provider-secret");
    peer.close();
  });

  it("cancel stops the run and aborts the model's HTTP request", async () => {
    provider = await startOpenAIServer([
      { text: ["one ", "two ", "three ", "four ", "five "], delayMs: 150 },
    ]);
    const { wsUrl } = await serve(openAIEnv(provider));
    const peer = await connectPeer(wsUrl, { headers: { authorization: `Bearer ${API_KEY}` } });
    const runId = startRun(peer, "opshub-nav-agent", {
      messages: [{ id: "u1", role: "user", content: "count" }],
    });
    await peer.next(
      (f) => f.type === "event" && f.runId === runId && f.event.type === "TEXT_MESSAGE_CONTENT",
    );
    peer.send({ type: "cancel", runId });
    const events = (await peer.runEvents(runId)).map((f) => f.event);
    expect(events.at(-1)).toMatchObject({ type: "RUN_FINISHED", outcome: { type: "cancelled" } });
    expect(events.filter((e) => e.type === "TEXT_MESSAGE_CONTENT").length).toBeLessThan(5);
    await expect.poll(() => provider!.aborted, { timeout: 5000 }).toBe(1);
    peer.close();
  });
});
