import { Writable } from "node:stream";
import { bearerSubprotocol } from "@backchannel/protocol";
import { SignJWT } from "jose";
import { type Logger, pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { whoami } from "../../../../test/helpers/agents.js";
import { connectPeer } from "../../../../test/helpers/ws-peer.js";
import { CopilotKitSDK, type ListeningServer } from "../index.js";
import { type AuthFailure, AuthFailureLog } from "./failure-log.js";

const API_KEY = "sk-failure-log-test-key-0042";
const SECRET = "failure-log-test-secret-of-at-least-32-chars";

/** A pino logger at `warn` (OpsHub's `npm start` level) whose lines land in `lines`. */
function capture(): { lines: Record<string, unknown>[]; raw: string[]; logger: Logger } {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      raw.push(String(chunk));
      lines.push(JSON.parse(String(chunk)));
      cb();
    },
  });
  return { lines, raw, logger: pino({ level: "warn" }, stream) };
}

function jwt(claims: Record<string, unknown>, exp: number | string = "1h", audience = "authenticated") {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setExpirationTime(exp)
    .setAudience(audience)
    .sign(new TextEncoder().encode(SECRET));
}

async function until(pred: () => boolean): Promise<void> {
  while (!pred()) await new Promise((r) => setTimeout(r, 10));
}

describe("AuthFailureLog", () => {
  const failure = (remote: string): AuthFailure => ({
    reason: "invalid",
    message: "Invalid or missing API key",
    transport: "websocket",
    credential: "header",
    remote,
  });

  it("logs the first failures of an address at warn, then counts the rest and logs the count when the window ends", async () => {
    const { lines, logger } = capture();
    const log = new AuthFailureLog(logger, { perAddress: 2, windowMs: 200 });
    for (let i = 0; i < 7; i++) log.report(failure("10.0.0.1"));
    log.report(failure("10.0.0.2"));
    const failed = lines.filter((l) => l.msg === "auth failed");
    expect(failed.map((l) => l.remote)).toEqual(["10.0.0.1", "10.0.0.1", "10.0.0.2"]);
    expect(failed.every((l) => l.level === 40)).toBe(true);
    await until(() => lines.some((l) => l.msg === "auth failures suppressed"));
    expect(lines.find((l) => l.msg === "auth failures suppressed")).toMatchObject({
      level: 40,
      remote: "10.0.0.1",
      suppressed: 5,
      lastReason: "invalid",
    });
  });

  it("tells listeners about every failure, including those whose line was suppressed", () => {
    const { logger } = capture();
    const log = new AuthFailureLog(logger, { perAddress: 1 });
    const seen: AuthFailure[] = [];
    log.onFailure((f) => seen.push(f));
    for (let i = 0; i < 4; i++) log.report(failure("10.0.0.3"));
    expect(seen).toHaveLength(4);
    log.flush();
  });

  it("logs pending suppressed counts on flush (shutdown) instead of losing them", () => {
    const { lines, logger } = capture();
    const log = new AuthFailureLog(logger, { perAddress: 1, windowMs: 60_000 });
    for (let i = 0; i < 3; i++) log.report(failure("10.0.0.4"));
    log.flush();
    expect(lines.at(-1)).toMatchObject({ msg: "auth failures suppressed", suppressed: 2 });
  });

  it("bounds the addresses it tracks: past maxAddresses new ones share one bucket", () => {
    const { lines, logger } = capture();
    const log = new AuthFailureLog(logger, { perAddress: 1, maxAddresses: 2 });
    for (const a of ["a", "b", "c", "d", "e"]) log.report(failure(a));
    expect(lines.map((l) => l.remote)).toEqual(["a", "b", "c"]);
    log.flush();
    expect(lines.at(-1)).toMatchObject({ remote: "(other addresses)", suppressed: 2 });
  });
});

describe("refused credentials over real sockets", () => {
  const log = capture();
  let sdk: CopilotKitSDK;
  let srv: ListeningServer;
  const failures = () => log.lines.filter((l) => l.msg === "auth failed");

  beforeAll(async () => {
    sdk = new CopilotKitSDK({
      agents: [whoami],
      auth: {
        apiKeys: { ops: API_KEY },
        jwt: { secret: SECRET, audience: "authenticated" },
        authTimeoutMs: 300,
        // High enough that every event below is logged on its own line.
        failureLog: { perAddress: 1000 },
      },
      allowedOrigins: ["https://app.example.com"],
      logger: log.logger,
    });
    srv = await sdk.listen({ port: 0 });
  });
  afterAll(() => srv.close());
  beforeEach(() => {
    log.lines.length = 0;
  });
  afterAll(() => {
    // No credential of any test below ever reached the log.
    const all = log.raw.join("");
    expect(all).not.toContain(API_KEY);
    expect(all).not.toContain("wrong-key-123");
  });

  it("WebSocket: a wrong key is one warn line with reason, transport, credential and remote, never the key", async () => {
    const peer = await connectPeer(srv.wsUrl, {
      headers: { authorization: "Bearer wrong-key-123" },
      awaitReady: false,
    });
    await peer.closed;
    await until(() => failures().length > 0);
    expect(failures()).toHaveLength(1);
    expect(failures()[0]).toMatchObject({
      level: 40,
      event: "auth_failure",
      reason: "invalid",
      transport: "websocket",
      credential: "header",
      remote: "127.0.0.1",
    });
    expect(JSON.stringify(failures()[0])).not.toContain("wrong-key-123");
  });

  it("WebSocket: an expired JWT names the principal (its signature verified) and the reason", async () => {
    const token = await jwt({ sub: "user-exp" }, Math.floor(Date.now() / 1000) - 60);
    const peer = await connectPeer(srv.wsUrl, {
      protocols: ["backchannel.v1", bearerSubprotocol(token)],
      awaitReady: false,
    });
    await peer.closed;
    await until(() => failures().length > 0);
    expect(failures()).toEqual([
      expect.objectContaining({ reason: "expired", credential: "subprotocol", principal: "user:user-exp" }),
    ]);
    expect(log.raw.join("")).not.toContain(token);
  });

  it("WebSocket: no credential before the auth timeout, a refresh for another principal", async () => {
    const silent = await connectPeer(srv.wsUrl, { awaitReady: false });
    await silent.closed;
    const peer = await connectPeer(srv.wsUrl, {
      headers: { authorization: `Bearer ${await jwt({ sub: "a" })}` },
    });
    peer.send({ type: "auth", token: await jwt({ sub: "b" }) });
    await peer.next((f) => f.type === "error");
    peer.close();
    await until(() => failures().length >= 2);
    expect(failures().map((f) => [f.reason, f.credential, f.principal])).toEqual([
      ["auth_timeout", "none", undefined],
      ["principal_changed", "frame", "user:a"],
    ]);
  });

  it("WebSocket: an Origin outside allowedOrigins is reported once", async () => {
    await expect(
      connectPeer(srv.wsUrl, {
        origin: "https://evil.example",
        headers: { authorization: `Bearer ${API_KEY}` },
      }),
    ).rejects.toThrow(/403/);
    expect(failures()).toEqual([
      expect.objectContaining({ reason: "origin_not_allowed", transport: "websocket" }),
    ]);
  });

  it("ticket: a spent ticket is reported with the principal that minted it", async () => {
    const connect = await fetch(`${srv.httpUrl}/copilotkit/connect`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
      body: "{}",
    });
    const { ticket } = (await connect.json()) as { ticket: string };
    const first = await connectPeer(srv.wsUrl, { protocols: ["backchannel.v1", bearerSubprotocol(ticket)] });
    first.close();
    const second = await connectPeer(srv.wsUrl, {
      protocols: ["backchannel.v1", bearerSubprotocol(ticket)],
      awaitReady: false,
    });
    await second.closed;
    await until(() => failures().length > 0);
    expect(failures()).toEqual([
      expect.objectContaining({
        reason: "ticket_invalid",
        transport: "websocket",
        credential: "subprotocol",
      }),
    ]);
    expect(log.raw.join("")).not.toContain(ticket);
  });

  it("SSE and HTTP: one line per refused request, with transport and path, never the token", async () => {
    const forged = await new SignJWT({ sub: "mallory" })
      .setProtectedHeader({ alg: "HS256" })
      .setExpirationTime("1h")
      .setAudience("authenticated")
      .sign(new TextEncoder().encode("another-secret-another-secret-another!!"));
    const sse = await fetch(`${srv.httpUrl}/copilotkit/agents/whoami/run`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${forged}`,
        "content-type": "application/json",
        accept: "text/event-stream",
      },
      body: JSON.stringify({ threadId: "t", runId: "r", messages: [], tools: [], context: [], state: {} }),
    });
    expect(sse.status).toBe(401);
    const threads = await fetch(`${srv.httpUrl}/copilotkit/threads`);
    expect(threads.status).toBe(401);
    const connect = await fetch(`${srv.httpUrl}/copilotkit/connect`, {
      method: "POST",
      headers: { authorization: "Basic Zm9vOmJhcg==" },
    });
    expect(connect.status).toBe(401);
    const reported = failures();
    expect(reported[0]).toMatchObject({
      reason: "bad_signature",
      transport: "sse",
      path: "/copilotkit/agents/whoami/run",
    });
    expect(reported.at(-1)).toMatchObject({
      reason: "malformed",
      transport: "http",
      path: "/copilotkit/connect",
    });
    expect(reported.map((f) => [f.transport, f.reason, f.credential])).toEqual([
      ["sse", "bad_signature", "header"],
      ["http", "missing", "none"],
      ["http", "malformed", "header"],
    ]);
    expect(log.raw.join("")).not.toContain(forged);
  });
});
