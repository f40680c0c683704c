/**
 * History survives a server restart: real server processes (compiled code) write a thread
 * to SQLite or Postgres, get killed or stopped, and a new process serves the conversation
 * over `GET /copilotkit/threads/:threadId`.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CopilotKitSDK } from "@backchannel/server";
import { createSqliteStore } from "@backchannel/server/sqlite";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  dropSchema,
  postgresAvailable,
  TEST_DATABASE_URL,
  uniqueSchema,
} from "../packages/server/test/services.js";
import { buildServer, type ServerProcess, spawnServer } from "../packages/server/test/spawn-server.js";
import { streamer } from "./helpers/agents.js";
import { connectPeer, runInput } from "./helpers/ws-peer.js";

const ALICE = { authorization: "Bearer alice-key-0000000000" };
const pgUp = await postgresAvailable();
const servers: ServerProcess[] = [];

beforeAll(() => buildServer(), 180_000);
afterEach(async () => {
  for (const s of servers.splice(0)) await s.kill();
});

async function runOnce(srv: ServerProcess, threadId: string, text: string, count: number) {
  const peer = await connectPeer(srv.wsUrl, { headers: ALICE });
  const input = runInput({
    threadId,
    messages: [{ id: `u-${text}`, role: "user", content: text }],
    forwardedProps: { count },
  });
  peer.send({ type: "run", id: "r", agent: "streamer", input });
  const events = await peer.runEvents(input.runId);
  peer.close();
  return { runId: input.runId as string, events };
}

async function getThread(srv: ServerProcess, threadId: string) {
  const res = await fetch(`${srv.httpUrl}/copilotkit/threads/${encodeURIComponent(threadId)}`, {
    headers: ALICE,
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000) {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

function restartSuite(name: string, env: () => Record<string, string>) {
  it(`${name}: a thread written before a restart is served after it`, async () => {
    const threadId = `thread-${name}-${Date.now()}`;
    const first = await spawnServer(env());
    servers.push(first);
    const { runId } = await runOnce(first, threadId, "What is my NAV?", 4);
    // Saving happens after RUN_FINISHED; give it a moment, then stop gracefully (which also flushes).
    await first.stop();

    const second = await spawnServer(env());
    servers.push(second);
    const { status, body } = await getThread(second, threadId);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      threadId,
      title: "What is my NAV?",
      state: { tokens: 4 },
      lastRunStatus: "finished",
      activeRuns: [],
    });
    expect(body.messages).toEqual([
      { id: "u-What is my NAV?", role: "user", content: "What is my NAV?" },
      { id: `msg-${runId}`, role: "assistant", content: "t0 t1 t2 t3 " },
    ]);
    expect(body.runs).toEqual([
      expect.objectContaining({
        runId,
        agent: "streamer",
        status: "finished",
        eventCount: 9,
        truncated: false,
      }),
    ]);
    expect(body.ownerId).toBeUndefined();

    // The conversation continues on the new process and the list shows it first.
    const history = body.messages;
    const peer = await connectPeer(second.wsUrl, { headers: ALICE });
    const next = runInput({
      threadId,
      messages: [...history, { id: "u2", role: "user", content: "And now?" }],
      forwardedProps: { count: 2 },
    });
    peer.send({ type: "run", id: "r2", agent: "streamer", input: next });
    await peer.runEvents(next.runId);
    peer.close();
    // Written once, when the run ended (not on shutdown): visible before the process dies.
    await waitFor(async () => (await getThread(second, threadId)).body.messages.length === 4);
    await second.kill();
    const third = await spawnServer(env());
    servers.push(third);
    const again = await getThread(third, threadId);
    expect(again.body.messages.map((m: any) => m.id)).toEqual([
      "u-What is my NAV?",
      `msg-${runId}`,
      "u2",
      `msg-${next.runId}`,
    ]);
    const list = await fetch(`${third.httpUrl}/copilotkit/threads?limit=5`, { headers: ALICE }).then((r) =>
      r.json(),
    );
    expect(list.threads[0]).toMatchObject({ threadId, messageCount: 4, lastRunStatus: "finished" });
  }, 60_000);
}

describe("history survives a server restart", () => {
  const dir = mkdtempSync(join(tmpdir(), "bc-restart-"));
  restartSuite("sqlite", () => ({ BC_STORE: `sqlite:${join(dir, "threads.db")}` }));

  describe.skipIf(!pgUp)("postgres", () => {
    const schema = uniqueSchema("bc_restart");
    afterAll(() => dropSchema(schema));
    restartSuite("postgres", () => ({ BC_STORE: `postgres:${schema}`, DATABASE_URL: TEST_DATABASE_URL }));
  });
});

describe("graceful shutdown", () => {
  it("a run still going at the shutdown deadline ends with RUN_ERROR shutdown and its partial answer is saved", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "bc-shutdown-"));
    const sdk = new CopilotKitSDK({
      agents: [streamer] as never,
      auth: { apiKeys: { alice: "alice-key-0000000000" } },
      logger: pino({ level: "silent" }),
      dataDir,
    });
    const srv = await sdk.listen({ port: 0 });
    const peer = await connectPeer(srv.wsUrl, { headers: ALICE });
    const input = runInput({
      threadId: `shutdown-${Date.now()}`,
      forwardedProps: { count: 10_000, delayMs: 5 },
    });
    peer.send({ type: "run", id: "r", agent: "streamer", input });
    await peer.next((f) => f.type === "event" && f.seq >= 6);
    await sdk.close({ deadlineMs: 50 });
    const store = await createSqliteStore({ path: join(dataDir, "threads.db") });
    const thread = await store.getThread(input.threadId);
    const [run] = await store.listRuns(input.threadId, 1);
    await store.close();
    expect(run).toMatchObject({ status: "error", errorCode: "shutdown" });
    const content = (thread!.messages.at(-1) as { content: string }).content;
    expect(content).toMatch(/^t0 t1 t2 t3 /);
    expect(thread!.lastRunStatus).toBe("error");
  });
});
