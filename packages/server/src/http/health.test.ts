import { bearerSubprotocol } from "@backchannel/protocol";
import { SignJWT } from "jose";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { whoami } from "../../../../test/helpers/agents.js";
import { connectPeer } from "../../../../test/helpers/ws-peer.js";
import { CopilotKitSDK, type ListeningServer } from "../index.js";

const API_KEY = "sk-health-test-key-0001";
const SECRET = "health-test-secret-of-at-least-32-characters";

function jwt(
  claims: Record<string, unknown>,
  opts: { exp?: number | string; aud?: string; secret?: string } = {},
) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setExpirationTime(opts.exp ?? "1h")
    .setAudience(opts.aud ?? "authenticated")
    .sign(new TextEncoder().encode(opts.secret ?? SECRET));
}

let sdk: CopilotKitSDK;
let srv: ListeningServer;
const health = (authorization?: string) =>
  fetch(`${srv.httpUrl}/copilotkit/health`, authorization ? { headers: { authorization } } : {});

beforeAll(async () => {
  sdk = new CopilotKitSDK({
    agents: [whoami],
    auth: { apiKeys: { ops: API_KEY }, jwt: { secret: SECRET, audience: "authenticated" } },
    logger: pino({ level: "silent" }),
  });
  srv = await sdk.listen({ port: 0 });
});
afterAll(() => srv.close());

describe("GET /health with and without credentials", () => {
  it("answers as before without an Authorization header: 200, no principal", async () => {
    const res = await health();
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: "healthy", protocol: "backchannel.v1" });
    expect(body).not.toHaveProperty("principal");
  });

  it("a valid JWT: 200 with the principal's kind, id and expiry", async () => {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const res = await health(`Bearer ${await jwt({ sub: "user-42" }, { exp })}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: "healthy",
      principal: {
        kind: "user",
        id: "user:user-42",
        expiresAt: exp * 1000,
        expires: new Date(exp * 1000).toISOString(),
      },
    });
  });

  it("a valid API key: 200 with the api_key principal and no expiry", async () => {
    const res = await health(`Bearer ${API_KEY}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { principal: Record<string, unknown> };
    expect(body.principal).toEqual({ kind: "api_key", id: "apikey:ops" });
  });

  it.each([
    ["expired", () => jwt({ sub: "u" }, { exp: Math.floor(Date.now() / 1000) - 60 }), /expired/],
    [
      "bad_signature",
      () => jwt({ sub: "u" }, { secret: "another-secret-another-secret-another!!" }),
      /signature/,
    ],
    ["wrong_audience", () => jwt({ sub: "u" }, { aud: "someone-else" }), /aud/],
    ["invalid", async () => "not-a-key-at-all", /API key/],
  ])("401 with reason %s", async (reason, token, message) => {
    const res = await health(`Bearer ${await token()}`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const body = (await res.json()) as { error: { code: string; reason: string; message: string } };
    expect(body.error).toMatchObject({ code: "auth_failed", reason });
    expect(body.error.message).toMatch(message);
  });

  it("401 malformed for an Authorization header that is not Bearer", async () => {
    const res = await health("Basic dXNlcjpwYXNz");
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { reason: string } }).error.reason).toBe("malformed");
  });

  it("refuses a WebSocket ticket without spending it (it still opens a socket afterwards)", async () => {
    const connect = await fetch(`${srv.httpUrl}/copilotkit/connect`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    const { ticket } = (await connect.json()) as { ticket: string };
    const res = await health(`Bearer ${ticket}`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { reason: string } }).error.reason).toBe("ticket_not_accepted");
    const peer = await connectPeer(srv.wsUrl, { protocols: ["backchannel.v1", bearerSubprotocol(ticket)] });
    expect(peer.frames[0].principal).toEqual({ id: "apikey:ops", kind: "api_key" });
    peer.close();
  });
});
