import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { clientAddress, parseTrustProxy } from "./client-address.js";

function req(peer: string, xff?: string): IncomingMessage {
  return {
    socket: { remoteAddress: peer },
    headers: xff === undefined ? {} : { "x-forwarded-for": xff },
  } as unknown as IncomingMessage;
}

describe("clientAddress", () => {
  it("ignores X-Forwarded-For unless proxies are trusted (a client can send any)", () => {
    expect(clientAddress(req("203.0.113.9", "1.2.3.4"), false)).toBe("203.0.113.9");
    expect(clientAddress(req("::ffff:203.0.113.9"), false)).toBe("203.0.113.9");
  });

  it("with one trusted hop takes the address nginx appended, not one the client forged", () => {
    expect(clientAddress(req("127.0.0.1", "198.51.100.7"), 1)).toBe("198.51.100.7");
    expect(clientAddress(req("127.0.0.1", "6.6.6.6, 198.51.100.7"), 1)).toBe("198.51.100.7");
    expect(clientAddress(req("127.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.2"), 2)).toBe("198.51.100.7");
    // Fewer hops than configured: the farthest address known.
    expect(clientAddress(req("127.0.0.1"), 1)).toBe("127.0.0.1");
  });

  it("with a proxy list skips trusted hops from the right", () => {
    const trust = ["loopback", "10.0.0.2"];
    expect(clientAddress(req("127.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.2"), trust)).toBe("198.51.100.7");
    // A direct client (not a trusted proxy) cannot forge its address.
    expect(clientAddress(req("198.51.100.7", "6.6.6.6"), trust)).toBe("198.51.100.7");
    expect(clientAddress(req("::1", "garbage, 198.51.100.7"), trust)).toBe("198.51.100.7");
  });
});

describe("parseTrustProxy", () => {
  it("reads BACKCHANNEL_TRUST_PROXY", () => {
    expect(parseTrustProxy(undefined)).toBe(false);
    expect(parseTrustProxy("false")).toBe(false);
    expect(parseTrustProxy("1")).toBe(1);
    expect(parseTrustProxy("true")).toBe(1);
    expect(parseTrustProxy("loopback, 10.0.0.2")).toEqual(["loopback", "10.0.0.2"]);
  });
});
