/**
 * The client's address behind reverse proxies. `X-Forwarded-For` is only believed as far as
 * the operator says (`trustProxy`): a client can send any X-Forwarded-For it likes, so each
 * entry counts only when the hop that appended it is a trusted proxy. See docs/deploy.md.
 * @module
 */
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";

/**
 * Which proxies are trusted:
 * - `false`: none; the address is the socket's peer.
 * - a number `n`: exactly `n` proxies sit in front of the server (nginx alone: 1); the address
 *   is the `n`-th entry from the right of `X-Forwarded-For` + peer.
 * - a list of proxy addresses (IPs; `"loopback"` for 127.0.0.1 and ::1): hops from these are
 *   skipped from the right; the first other address is the client.
 */
export type TrustProxy = false | number | readonly string[];

const LOOPBACK = ["127.0.0.1", "::1", "::ffff:127.0.0.1"];

function normalize(addr: string): string {
  const a = addr.trim().replace(/^\[|\]$/g, "");
  return a.startsWith("::ffff:") && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}

/** The address chain, farthest first: X-Forwarded-For entries, then the socket's peer. */
function chain(req: IncomingMessage): string[] {
  const header = req.headers["x-forwarded-for"];
  const raw = Array.isArray(header) ? header.join(",") : (header ?? "");
  const hops = raw
    .split(",")
    .map(normalize)
    .filter((a) => isIP(a) !== 0);
  const peer = req.socket.remoteAddress;
  return peer ? [...hops, normalize(peer)] : hops;
}

/** The client's address as `trust` allows; undefined when the socket has none (closed). */
export function clientAddress(req: IncomingMessage, trust: TrustProxy): string | undefined {
  const peer = req.socket.remoteAddress;
  if (trust === false || trust === 0) return peer ? normalize(peer) : undefined;
  const addrs = chain(req);
  if (typeof trust === "number") return addrs[Math.max(0, addrs.length - 1 - trust)];
  const trusted = new Set(trust.flatMap((t) => (t === "loopback" ? LOOPBACK : [normalize(t)])));
  for (let i = addrs.length - 1; i > 0; i--) if (!trusted.has(addrs[i]!)) return addrs[i];
  return addrs[0];
}

/** Parses BACKCHANNEL_TRUST_PROXY: "" / "false" / "0", a hop count, or a comma-separated address list. */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  const v = value?.trim() ?? "";
  if (v === "" || v === "false" || v === "0") return false;
  if (/^\d+$/.test(v)) return Number(v);
  if (v === "true") return 1;
  return v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}
