import { bearerSubprotocol } from "@backchannel/protocol";
import { SignJWT } from "jose";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testAgents } from "../../../../test/helpers/agents.js";
import { connectPeer } from "../../../../test/helpers/ws-peer.js";
import { CopilotKitSDK, type ListeningServer } from "../index.js";
import { createMemoryTicketStore, createTicketIssuer } from "./tickets.js";

const SECRET = "a-shared-hs256-secret-of-at-least-32-chars!";
// Long enough that no test's ticket expires while a loaded machine runs it; expiry itself is
// tested on a runtime of its own with a short lifetime.
const TICKET_TTL_MS = 30_000;
let sdk: CopilotKitSDK;
let srv: ListeningServer;

async function jwt(sub: string, expSec = 3600): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + expSec)
    .sign(new TextEncoder().encode(SECRET));
}

async function connect(token: string | undefined, body?: unknown, url = `${srv.httpUrl}/copilotkit/connect`) {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

beforeAll(async () => {
  sdk = new CopilotKitSDK({
    agents: testAgents as never,
    auth: { jwt: { secret: SECRET } },
    logger: pino({ level: "silent" }),
    tickets: { ttlMs: TICKET_TTL_MS },
  });
  srv = await sdk.listen({ port: 0 });
});
afterAll(() => srv.close());

describe("POST /connect", () => {
  it("returns the socket URL, SSE base, a ticket and who you are; never cacheable", async () => {
    const { status, headers, body } = await connect(await jwt("alice"));
    expect(status).toBe(200);
    expect(headers.get("cache-control")).toBe("no-store");
    expect(body).toMatchObject({
      protocol: "backchannel.v1",
      transports: ["websocket", "sse"],
      wsUrl: srv.wsUrl,
      wsPath: "/copilotkit/ws",
      sseBase: `${srv.httpUrl}/copilotkit`,
      principal: { id: "user:alice", kind: "user" },
    });
    expect(body.ticket).toMatch(/^bct_[A-Za-z0-9_-]{43}$/);
    expect(body.ticketExpiresAt - Date.now()).toBeLessThanOrEqual(TICKET_TTL_MS);
    expect(body.agents.map((a: any) => a.name)).toContain("streamer");
  });

  it("builds wss:// URLs behind a TLS-terminating proxy (X-Forwarded-Proto/Host)", async () => {
    const res = await fetch(`${srv.httpUrl}/copilotkit/connect`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await jwt("alice")}`,
        "x-forwarded-proto": "https",
        "x-forwarded-host": "agents.example.com",
      },
    });
    const body = (await res.json()) as any;
    expect(body.wsUrl).toBe("wss://agents.example.com/copilotkit/ws");
    expect(body.sseBase).toBe("https://agents.example.com/copilotkit");
  });

  it("answers 401 without credentials and mints nothing with { ticket: false }", async () => {
    const none = await connect(undefined);
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe("auth_failed");
    const noTicket = await connect(await jwt("alice"), { ticket: false });
    expect(noTicket.status).toBe(200);
    expect(noTicket.body.ticket).toBeUndefined();
    const bad = await connect(await jwt("alice"), [1]);
    expect(bad.status).toBe(400);
  });
});

describe("WebSocket tickets", () => {
  it("open the socket in the bearer subprotocol as the user who minted them", async () => {
    const { body } = await connect(await jwt("alice"));
    const peer = await connectPeer(srv.wsUrl, {
      protocols: ["backchannel.v1", bearerSubprotocol(body.ticket)],
    });
    expect(peer.frames[0].principal).toEqual({ id: "user:alice", kind: "user" });
    expect(peer.protocol).toBe("backchannel.v1");
    peer.close();
  });

  it("are bound to their user: each user's ticket yields that user", async () => {
    const a = (await connect(await jwt("alice"))).body.ticket;
    const b = (await connect(await jwt("bob"))).body.ticket;
    const pb = await connectPeer(srv.wsUrl, { protocols: ["backchannel.v1", bearerSubprotocol(b)] });
    const pa = await connectPeer(srv.wsUrl, { protocols: ["backchannel.v1", bearerSubprotocol(a)] });
    expect(pa.frames[0].principal.id).toBe("user:alice");
    expect(pb.frames[0].principal.id).toBe("user:bob");
    pa.close();
    pb.close();
  });

  it("are single-use: a second socket with the same ticket is closed with 1008", async () => {
    const { ticket } = (await connect(await jwt("alice"))).body;
    const first = await connectPeer(srv.wsUrl, { protocols: ["backchannel.v1", bearerSubprotocol(ticket)] });
    const second = await connectPeer(srv.wsUrl, {
      protocols: ["backchannel.v1", bearerSubprotocol(ticket)],
      awaitReady: false,
    });
    const closed = await second.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/already used/);
    first.close();
  });

  it("expire after ttlMs", async () => {
    const short = new CopilotKitSDK({
      agents: testAgents as never,
      auth: { jwt: { secret: SECRET } },
      logger: pino({ level: "silent" }),
      tickets: { ttlMs: 50 },
    });
    const shortSrv = await short.listen({ port: 0 });
    try {
      const { ticket } = (
        await connect(await jwt("alice"), undefined, `${shortSrv.httpUrl}/copilotkit/connect`)
      ).body;
      await new Promise((r) => setTimeout(r, 150));
      const peer = await connectPeer(shortSrv.wsUrl, {
        protocols: ["backchannel.v1", bearerSubprotocol(ticket)],
        awaitReady: false,
      });
      const closed = await peer.closed;
      expect(closed.code).toBe(1008);
      expect(closed.reason).toMatch(/expired/);
    } finally {
      await shortSrv.close();
    }
  });

  it("also work as ?ticket= and in an auth frame", async () => {
    const q = (await connect(await jwt("carol"))).body.ticket;
    const byQuery = await connectPeer(`${srv.wsUrl}?ticket=${q}`);
    expect(byQuery.frames[0].principal.id).toBe("user:carol");
    byQuery.close();
    const f = (await connect(await jwt("carol"))).body.ticket;
    const byFrame = await connectPeer(srv.wsUrl, { awaitReady: false });
    byFrame.send({ type: "auth", token: f });
    expect((await byFrame.next((fr) => fr.type === "ready")).principal.id).toBe("user:carol");
    byFrame.close();
  });

  it("never outlive the credential they were minted with, and carry its expiry to the socket", async () => {
    // A 10 s credential against 30 s tickets: the ticket ends with the credential.
    const { body } = await connect(await jwt("dave", 10));
    expect(body.ticketExpiresAt).toBeLessThanOrEqual(Date.now() + 10_000);
    const peer = await connectPeer(srv.wsUrl, {
      protocols: ["backchannel.v1", bearerSubprotocol(body.ticket)],
    });
    expect(peer.frames[0].expiresAt).toBe(body.expiresAt);
    peer.close();
    const issuer = createTicketIssuer({ ttlMs: 60_000 });
    const soon = Date.now() + 1000;
    const issued = await issuer.mint({ id: "eve", kind: "user", expiresAt: soon });
    expect(issued.expiresAt).toBe(soon);
  });
});

describe("ticket store", () => {
  it("holds digests, not tickets, and ignores tokens without the ticket prefix", async () => {
    const puts: string[] = [];
    const memory = createMemoryTicketStore();
    const issuer = createTicketIssuer({
      store: {
        put: (d, r, ttl) => {
          puts.push(d);
          return memory.put(d, r, ttl);
        },
        take: (d) => memory.take(d),
      },
    });
    const { ticket } = await issuer.mint({ id: "u", kind: "user" });
    expect(puts).toHaveLength(1);
    expect(puts[0]).not.toContain(ticket.slice(4));
    expect(await issuer.verifier("some.jwt.token")).toBeNull();
    expect(await issuer.verifier(ticket)).toEqual({ id: "u", kind: "user" });
    await expect(async () => issuer.verifier(ticket)).rejects.toThrow(/already used/);
  });

  it("caps outstanding tickets per principal: a principal's mints drop only its own oldest", () => {
    const store = createMemoryTicketStore({ maxTicketsPerPrincipal: 3 });
    const expiresAt = Date.now() + 10_000;
    const rec = (id: string) => ({ principal: { id, kind: "user" as const }, expiresAt });
    store.put("victim", rec("user:victim"), 10_000);
    for (let i = 0; i < 5; i++) store.put(`a${i}`, rec("user:attacker"), 10_000);
    expect(store.take("a0")).toBeUndefined();
    expect(store.take("a1")).toBeUndefined();
    expect(store.take("a2")).toEqual(rec("user:attacker"));
    expect(store.take("victim")).toEqual(rec("user:victim"));
  });

  it("refuses to mint past maxTickets instead of evicting anyone's live ticket", () => {
    const store = createMemoryTicketStore({ maxTickets: 10 });
    const expiresAt = Date.now() + 10_000;
    const rec = (id: string) => ({ principal: { id, kind: "user" as const }, expiresAt });
    store.put("victim", rec("user:victim"), 10_000);
    let refused = 0;
    for (let account = 0; account < 32; account++) {
      try {
        store.put(`t${account}`, rec(`user:attacker-${account}`), 10_000);
      } catch (err) {
        expect(err).toMatchObject({ code: "rate_limited" });
        refused++;
      }
    }
    expect(refused).toBe(23);
    expect(store.take("victim")).toEqual(rec("user:victim"));
  });
});

describe("tickets are for one WebSocket and nothing else", () => {
  it("are refused as an HTTP bearer token on /connect, runs and /threads, and stay redeemable for the socket", async () => {
    const { ticket } = (await connect(await jwt("alice"))).body;
    const renew = await connect(ticket);
    expect(renew.status).toBe(401);
    expect(renew.body.error.message).toMatch(/only opens a WebSocket/);
    const run = await fetch(`${srv.httpUrl}/copilotkit/agents/streamer/run`, {
      method: "POST",
      headers: { authorization: `Bearer ${ticket}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(run.status).toBe(401);
    const threads = await fetch(`${srv.httpUrl}/copilotkit/threads`, {
      headers: { authorization: `Bearer ${ticket}` },
    });
    expect(threads.status).toBe(401);
    const peer = await connectPeer(srv.wsUrl, { protocols: ["backchannel.v1", bearerSubprotocol(ticket)] });
    expect(peer.frames[0].principal.id).toBe("user:alice");
    peer.close();
  });

  it("refresh only the socket they are sent on", async () => {
    const peer = await connectPeer(srv.wsUrl, { headers: { authorization: `Bearer ${await jwt("alice")}` } });
    const { ticket } = (await connect(await jwt("alice"))).body;
    peer.send({ type: "auth", token: ticket });
    await peer.next((f) => f.type === "auth_ok");
    expect((await connect(ticket)).status).toBe(401);
    const again = await connectPeer(srv.wsUrl, {
      protocols: ["backchannel.v1", bearerSubprotocol(ticket)],
      awaitReady: false,
    });
    expect((await again.closed).code).toBe(1008);
    peer.close();
  });

  it("a victim's ticket survives other accounts minting in a loop", async () => {
    const small = new CopilotKitSDK({
      agents: testAgents as never,
      auth: { jwt: { secret: SECRET } },
      logger: pino({ level: "silent" }),
      tickets: { store: createMemoryTicketStore({ maxTickets: 40 }) },
    });
    const s = await small.listen({ port: 0 });
    const url = `${s.httpUrl}/copilotkit/connect`;
    const victim = (await connect(await jwt("victim"), undefined, url)).body.ticket;
    const statuses: number[] = [];
    for (const account of ["mallory", "trent"]) {
      const token = await jwt(account);
      for (let i = 0; i < 33; i++) statuses.push((await connect(token, undefined, url)).status);
    }
    expect(statuses.filter((st) => st === 429).length).toBeGreaterThan(0);
    const peer = await connectPeer(s.wsUrl, { protocols: ["backchannel.v1", bearerSubprotocol(victim)] });
    expect(peer.frames[0].principal.id).toBe("user:victim");
    peer.close();
    await s.close();
  });
});
