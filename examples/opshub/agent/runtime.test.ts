/**
 * The OpsHub backend end to end over a real socket: the offline model inside the real
 * graph, shared validation state arriving step by step, a browser tool round trip, page
 * context, JWT auth, and the seed's health answer.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentThread, createClient } from "@backchannel/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { localSecret } from "./auth.js";
import type { ValidationState } from "./graph.js";
import { type OpsHubRuntime, startOpsHubRuntime } from "./runtime.js";
import { mintSessionToken } from "./session-token.js";

const dir = mkdtempSync(join(tmpdir(), "opshub-runtime-"));
let rt: OpsHubRuntime;
let token: string;
const env = { OPSHUB_TOKEN_DELAY_MS: "0", LOG_LEVEL: "warn" };

beforeAll(async () => {
  rt = await startOpsHubRuntime({ dataDir: dir, port: 0, env, checkDelayMs: 30 });
  token = await mintSessionToken(localSecret(dir, env));
});
afterAll(async () => {
  await rt.close();
  rmSync(dir, { recursive: true, force: true });
});

function thread() {
  const client = createClient({ url: `ws://127.0.0.1:${rt.port}/copilotkit/ws`, token, WebSocket });
  const t = new AgentThread({ client, agent: "opshub-nav-agent", throttleMs: 0 });
  return { client, thread: t };
}

function lastAssistantText(t: AgentThread): string {
  const m = [...t.getSnapshot().messages]
    .reverse()
    .find((x) => x.role === "assistant" && typeof x.content === "string" && x.content);
  return String(m?.content ?? "");
}

describe("opshub-nav-agent", () => {
  it("answers /copilotkit/health as in the seed and guards the data routes", async () => {
    const health = await (await fetch(`http://127.0.0.1:${rt.port}/copilotkit/health`)).json();
    expect(health).toMatchObject({
      status: "healthy",
      service: "CopilotKit Runtime",
      agents: [
        {
          name: "opshub-nav-agent",
          description: "AI assistant for investment operations and portfolio analysis",
        },
      ],
    });
    expect((await fetch(`http://127.0.0.1:${rt.port}/api/portfolio`)).status).toBe(401);
    const forged = await mintSessionToken("x".repeat(48));
    expect(
      (
        await fetch(`http://127.0.0.1:${rt.port}/api/portfolio`, {
          headers: { authorization: `Bearer ${forged}` },
        })
      ).status,
    ).toBe(401);
    const ok = await fetch(`http://127.0.0.1:${rt.port}/api/portfolio/info`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await ok.json()).toMatchObject({
      model: { offline: true, label: "Offline demo model" },
      auth: "local",
    });
  });

  it("runs validations: the panel state fills in check by check, then the rows are highlighted", async () => {
    const { client, thread: t } = thread();
    const highlighted: string[][] = [];
    t.registerTool({
      name: "highlightHoldings",
      description: "Highlight rows of the holdings table",
      parameters: {
        type: "object",
        properties: { tickers: { type: "array", items: { type: "string" } }, reason: { type: "string" } },
      },
      handler: (args: { tickers: string[] }) => {
        highlighted.push(args.tickers);
        return `Highlighted ${args.tickers.length} rows`;
      },
    });
    const seen: string[] = [];
    t.subscribe(() => {
      const v = t.getSnapshot().state.validation as ValidationState | undefined;
      if (v) seen.push(v.checks.map((c) => c.status[0]).join(""));
    });
    const result = await t.sendMessage({ content: "Run validations" });
    expect(result.status).toBe("finished");
    const v = t.getSnapshot().state.validation as ValidationState;
    expect(v.status).toBe("complete");
    expect(v.checks.map((c) => c.status)).toEqual(Array(6).fill("fail"));
    expect(v.summary).toEqual({ errors: 5, warnings: 1, passed: 0 });
    // Intermediate states reached the client: some checks done while others were still pending.
    expect(seen.some((s) => s.includes("f") && s.includes("p"))).toBe(true);
    expect(highlighted).toHaveLength(1);
    expect(highlighted[0]).toEqual(
      expect.arrayContaining(["MSFT", "SAP", "0700", "CASH-EUR", "AAPL", "NVDA"]),
    );
    const text = lastAssistantText(t);
    expect(text).toContain("Custodian breaks");
    expect(text).toContain("highlighted the 17 affected rows");
    client.close();
  });

  it("answers from tool results and the page's context", async () => {
    const { client, thread: t } = thread();
    await t.sendMessage({ content: "What are our top 5 holdings?" });
    expect(lastAssistantText(t)).toMatch(/\| 1 \| `AAPL` \| Apple Inc \|/);

    t.addContext({ description: "Holdings table view", value: { filter: {}, selectedTicker: "SAP" } });
    await t.sendMessage({ content: "Explain the selected position" });
    expect(lastAssistantText(t)).toContain("Custodian break");
    expect(lastAssistantText(t)).toContain("SAP SE");

    await t.sendMessage({ content: "exposure by currency" });
    expect(lastAssistantText(t)).toContain("Exposure by currency");
    client.close();
  });

  it("serves a repeated read-only question from the response cache, never a validation run", async () => {
    const { client, thread: t } = thread();
    await t.sendMessage({ content: "Top 10 holdings" });
    await rt.sdk.responseCache.flush();
    const first = lastAssistantText(t);
    expect(Object.keys(t.getSnapshot().fromCache)).toEqual([]);
    await t.sendMessage({ content: "top ten holdings" });
    const snap = t.getSnapshot();
    const answer = snap.messages.at(-1)!;
    expect(answer.content).toBe(first);
    expect(snap.fromCache[answer.id]).toMatchObject({ scope: "principal" });
    await t.sendMessage({ content: "Run validations" });
    await rt.sdk.responseCache.flush();
    await t.sendMessage({ content: "Run validations" });
    // The replay's messages (tool call, tool result, answer) are all marked; nothing of the validations.
    expect(t.getSnapshot().fromCache[t.getSnapshot().messages.at(-1)!.id]).toBeUndefined();
    expect(t.getSnapshot().fromCache).toBe(snap.fromCache);
    client.close();
  });

  it("refuses a socket without a valid session (1008)", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${rt.port}/copilotkit/ws`, ["backchannel.v1"]);
    const code = await new Promise<number>((resolve) => {
      ws.on("open", () => ws.send(JSON.stringify({ type: "auth", token: "not-a-token" })));
      ws.on("close", (c) => resolve(c));
    });
    expect(code).toBe(1008);
  });
});
