/**
 * What a client sees of the response cache: an AgentThread over a real socket asks the same
 * question twice; the second answer arrives from cache and is listed in `fromCache`.
 */
import { AgentThread, createClient } from "@backchannel/client";
import { CopilotKitSDK } from "@backchannel/server";
import { pino } from "pino";
import { afterAll, expect, it } from "vitest";
import { WebSocket } from "ws";

let runs = 0;
const sdk = new CopilotKitSDK({
  agents: [
    {
      name: "holdings",
      description: "Read-only portfolio answers",
      cache: { ttlMs: 60_000 },
      async *run(input) {
        runs++;
        const id = `m-${input.runId}`;
        yield { type: "TEXT_MESSAGE_START", messageId: id, role: "assistant" };
        yield { type: "TEXT_MESSAGE_CONTENT", messageId: id, delta: "AAPL, MSFT, NVDA" };
        yield { type: "TEXT_MESSAGE_END", messageId: id };
      },
    },
  ],
  auth: { apiKeys: "cache-client-key" },
  logger: pino({ level: "silent" }),
});
const srv = await sdk.listen({ port: 0 });
const client = createClient({ url: srv.wsUrl, token: "cache-client-key", WebSocket });
afterAll(async () => {
  client.close();
  await srv.close();
});

it("marks the answer served from cache in AgentThread's fromCache, and only that one", async () => {
  const thread = new AgentThread({ client, agent: "holdings", throttleMs: 0 });
  await thread.sendMessage({ content: "Top 10 holdings" });
  await sdk.responseCache.flush();
  const first = thread.getSnapshot().messages.at(-1)!;
  await thread.sendMessage({ content: "Top 10 holdings" });
  const snap = thread.getSnapshot();
  const answer = snap.messages.at(-1)!;
  expect(runs).toBe(1);
  expect(answer.role).toBe("assistant");
  expect(answer.content).toBe(first.content);
  expect(answer.id).not.toBe(first.id);
  expect(Object.keys(snap.fromCache)).toEqual([answer.id]);
  expect(snap.fromCache[answer.id]).toMatchObject({ scope: "principal", messageIds: [answer.id] });
  thread.dispose();
});
