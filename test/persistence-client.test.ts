/**
 * @backchannel/client's thread history API against a real server with a SQLite store: a
 * conversation run over the socket is listed, loaded (AG-UI messages and state) and deleted
 * over HTTP with the same credentials; another user's thread answers `forbidden`.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentThread, createClient, createThreadsApi, fetchThread, httpBaseFrom } from "@backchannel/client";
import { CopilotKitSDK } from "@backchannel/server";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { streamer } from "./helpers/agents.js";

const KEYS = { alice: "alice-key-0000000000", bob: "bob-key-00000000000000" };
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function serve() {
  const sdk = new CopilotKitSDK({
    agents: [streamer] as never,
    auth: { apiKeys: KEYS },
    logger: pino({ level: "silent" }),
    dataDir: mkdtempSync(join(tmpdir(), "bc-client-threads-")),
  });
  const srv = await sdk.listen({ port: 0 });
  cleanups.push(() => srv.close());
  return srv;
}

describe("thread history from @backchannel/client", () => {
  it("lists, loads and deletes the caller's threads; a reload continues the conversation", async () => {
    const srv = await serve();
    const client = createClient({ url: srv.wsUrl, token: KEYS.alice, WebSocket: WebSocket as never });
    cleanups.push(() => client.close());
    const thread = new AgentThread({ client, agent: "streamer", forwardedProps: { count: 3 } });
    cleanups.push(() => thread.dispose());
    await thread.sendMessage({ role: "user", content: "What is my NAV?" } as never);
    const threadId = thread.getSnapshot().threadId;

    const api = createThreadsApi({ baseUrl: srv.wsUrl, token: KEYS.alice });
    let history = await api.get(threadId);
    for (let i = 0; i < 100 && history?.messages.length !== 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
      history = await api.get(threadId);
    }
    expect(history).toMatchObject({ threadId, title: "What is my NAV?", activeRuns: [] });
    expect(history!.messages).toEqual(thread.getSnapshot().messages.map((m) => ({ ...m })));

    // "Reload": a new thread object starts from the stored history and continues it.
    const reloaded = new AgentThread({
      client,
      agent: "streamer",
      threadId,
      initialMessages: history!.messages,
      initialState: history!.state,
      forwardedProps: { count: 1 },
    });
    cleanups.push(() => reloaded.dispose());
    await reloaded.sendMessage({ role: "user", content: "More?" } as never);
    let again = await fetchThread(
      { baseUrl: `${httpBaseFrom(srv.wsUrl)}/`, getToken: () => KEYS.alice },
      threadId,
    );
    for (let i = 0; i < 100 && again?.messages.length !== 4; i++) {
      await new Promise((r) => setTimeout(r, 20));
      again = await api.get(threadId);
    }
    expect(again!.messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);

    const page = await api.list({ limit: 10 });
    expect(page.threads.map((t) => t.threadId)).toContain(threadId);

    const bob = createThreadsApi({ baseUrl: srv.httpUrl + "/copilotkit", token: KEYS.bob });
    await expect(bob.get(threadId)).rejects.toMatchObject({ code: "forbidden" });
    await expect(bob.delete(threadId)).rejects.toMatchObject({ code: "forbidden" });
    expect((await bob.list()).threads).toEqual([]);
    await expect(
      createThreadsApi({ baseUrl: srv.wsUrl, token: "wrong-key-000000000" }).list(),
    ).rejects.toMatchObject({
      code: "auth_failed",
    });

    expect(await api.delete(threadId)).toBe(true);
    expect(await api.get(threadId)).toBeNull();
    expect(await api.delete(threadId)).toBe(false);
  });

  it("reports an unreachable runtime as connection_failed", async () => {
    const api = createThreadsApi({ baseUrl: "http://127.0.0.1:1/copilotkit", token: "x" });
    await expect(api.list()).rejects.toMatchObject({ code: "connection_failed" });
  });
});
