/**
 * Security finding 1 (critical): a JSON value nested ~5,000 levels deep (10 KB) in a run's
 * input used to kill the server process when the run ended (the persistence fold cloned it
 * recursively from a promise callback). Real server processes (compiled code), on SQLite and
 * Postgres, get such frames over a real WebSocket and such bodies over HTTP: each is refused
 * with `bad_request` / 400, and the same process keeps serving runs and saving threads.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_JSON_DEPTH } from "@backchannel/protocol";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  dropSchema,
  postgresAvailable,
  TEST_DATABASE_URL,
  uniqueSchema,
} from "../packages/server/test/services.js";
import { buildServer, type ServerProcess, spawnServer } from "../packages/server/test/spawn-server.js";
import { connectPeer, runInput } from "./helpers/ws-peer.js";

const ALICE = { authorization: "Bearer alice-key-0000000000" };
const pgUp = await postgresAvailable();
const servers: ServerProcess[] = [];

beforeAll(() => buildServer(), 180_000);
afterEach(async () => {
  for (const s of servers.splice(0)) await s.kill();
});

/** `levels` nested arrays as JSON text (built as text: the attack never exists as an object here). */
const nested = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;

/** A `run` frame whose input carries `raw` (JSON text) at `where`. */
function deepRunFrame(id: string, threadId: string, where: "state" | "message", raw: string): string {
  const input = runInput({ threadId, forwardedProps: { count: 2 } });
  const text = JSON.stringify({ type: "run", id, agent: "streamer", input });
  if (where === "state") return text.replace('"state":{}', `"state":{"deep":${raw}}`);
  return text.replace('"content":"hello"', `"content":"hello","extra":${raw}`);
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

function postRun(srv: ServerProcess, body: string) {
  return fetch(`${srv.httpUrl}/copilotkit/agents/streamer/run`, {
    method: "POST",
    headers: { ...ALICE, "content-type": "application/json", accept: "text/event-stream" },
    body,
  });
}

function deepJsonSuite(name: string, env: () => Record<string, string>) {
  it(`${name}: deep frames over WebSocket get bad_request, the process lives on and keeps saving`, async () => {
    const srv = await spawnServer(env());
    servers.push(srv);
    const peer = await connectPeer(srv.wsUrl, { headers: ALICE });
    const tag = `${name}-${Date.now()}`;

    peer.send(deepRunFrame("deep-state", `t-state-${tag}`, "state", nested(5_000)));
    peer.send(deepRunFrame("deep-extra", `t-extra-${tag}`, "message", nested(5_000)));
    for (const id of ["deep-state", "deep-extra"]) {
      const err = await peer.next((f) => f.type === "error" && f.id === id);
      expect(err).toMatchObject({ code: "bad_request" });
      expect(err.message).toContain(`deeper than ${MAX_JSON_DEPTH} levels`);
    }
    // Nothing was started or stored for them.
    expect((await getThread(srv, `t-state-${tag}`)).status).toBe(404);

    // The same socket, and the same process, still run and save a normal conversation.
    const threadId = `t-after-${tag}`;
    const input = runInput({ threadId, forwardedProps: { count: 3 } });
    peer.send({ type: "run", id: "ok", agent: "streamer", input });
    const events = await peer.runEvents(input.runId);
    expect(events.at(-1).event.type).toBe("RUN_FINISHED");
    await waitFor(async () => (await getThread(srv, threadId)).status === 200);
    expect(srv.child.exitCode).toBeNull();
    peer.close();
  }, 60_000);

  it(`${name}: deep HTTP run bodies get 400; a body at the limit runs and is stored`, async () => {
    const srv = await spawnServer(env());
    servers.push(srv);
    const tag = `${name}-${Date.now()}`;
    const deepBody = JSON.stringify(runInput({ threadId: `h-deep-${tag}` })).replace(
      '"state":{}',
      `"state":{"deep":${nested(5_000)}}`,
    );
    const refused = await postRun(srv, deepBody);
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as any;
    expect(body.error.code).toBe("bad_request");
    expect(body.error.message).toContain(`deeper than ${MAX_JSON_DEPTH} levels`);

    // Exactly at the limit: the body object (1) + state (2) + `deep` arrays up to MAX_JSON_DEPTH.
    const threadId = `h-edge-${tag}`;
    const edge = JSON.stringify(runInput({ threadId, forwardedProps: { count: 1 } })).replace(
      '"state":{}',
      `"state":{"deep":${nested(MAX_JSON_DEPTH - 2)}}`,
    );
    const accepted = await postRun(srv, edge);
    expect(accepted.status).toBe(200);
    expect(await accepted.text()).toContain("RUN_FINISHED");
    // Saved: the fold copied the input state at that depth (the streamer's snapshot then replaces it).
    await waitFor(async () => (await getThread(srv, threadId)).status === 200);
    expect((await getThread(srv, threadId)).body).toMatchObject({
      lastRunStatus: "finished",
      state: { tokens: 1 },
    });

    // One more level is refused.
    const over = JSON.stringify(runInput({ threadId: `h-over-${tag}` })).replace(
      '"state":{}',
      `"state":{"deep":${nested(MAX_JSON_DEPTH - 1)}}`,
    );
    expect((await postRun(srv, over)).status).toBe(400);
    expect(srv.child.exitCode).toBeNull();
  }, 60_000);
}

describe("deeply nested JSON cannot take the server down", () => {
  const dir = mkdtempSync(join(tmpdir(), "bc-deep-"));
  deepJsonSuite("sqlite", () => ({ BC_STORE: `sqlite:${join(dir, "threads.db")}` }));

  describe.skipIf(!pgUp)("postgres", () => {
    const schema = uniqueSchema("bc_deep");
    afterAll(() => dropSchema(schema));
    deepJsonSuite("postgres", () => ({ BC_STORE: `postgres:${schema}`, DATABASE_URL: TEST_DATABASE_URL }));
  });
});
