import { createHash, randomBytes } from "node:crypto";
import { AuthError } from "../errors.js";
import type { Principal } from "../principal.js";
import type { TokenVerifier } from "./authenticator.js";

/** Every ticket starts with this, so other tokens (JWTs, API keys) skip the store lookup. */
export const TICKET_PREFIX = "bct_";

/** What a ticket stands for while it is outstanding. */
export interface TicketRecord {
  /** The principal that minted it; redeeming it yields exactly this principal. */
  principal: Principal;
  /** When it stops being redeemable, ms since epoch. */
  expiresAt: number;
}

/**
 * Where outstanding tickets live. Keys are SHA-256 digests of the tickets, never the tickets
 * themselves. The in-memory store is per process: behind a load balancer without sticky
 * sessions, plug in a shared one (e.g. Redis `SET key value PX ttl` + `GETDEL key`).
 */
export interface TicketStore {
  /** Stores `record` under `digest` for `ttlMs`. */
  put(digest: string, record: TicketRecord, ttlMs: number): Promise<void> | void;
  /** Removes and returns the record: a ticket is redeemable once. Undefined when unknown or expired. */
  take(digest: string): Promise<TicketRecord | undefined> | TicketRecord | undefined;
}

/** Options of `createMemoryTicketStore`. */
export interface MemoryTicketStoreOptions {
  /** Outstanding tickets kept at most; past it the oldest are dropped. @default 100000 */
  maxTickets?: number;
}

/** An in-process `TicketStore`: a Map in insertion (= expiry) order, swept as it is used. */
export function createMemoryTicketStore(opts: MemoryTicketStoreOptions = {}): TicketStore {
  const max = opts.maxTickets ?? 100_000;
  const tickets = new Map<string, TicketRecord>();
  const sweep = (now: number) => {
    // Insertion order is expiry order (one TTL per issuer), so stop at the first live one.
    for (const [digest, record] of tickets) {
      if (record.expiresAt > now && tickets.size <= max) break;
      tickets.delete(digest);
    }
  };
  return {
    put(digest, record) {
      tickets.set(digest, record);
      sweep(Date.now());
    },
    take(digest) {
      const record = tickets.get(digest);
      if (!record) return undefined;
      tickets.delete(digest);
      return record.expiresAt > Date.now() ? record : undefined;
    },
  };
}

/** Options of `createTicketIssuer`; also `SDKOptions.tickets`. */
export interface TicketOptions {
  /** How long a ticket stays redeemable, in ms. @default 30000 */
  ttlMs?: number;
  /** Where tickets are kept. @default createMemoryTicketStore() */
  store?: TicketStore;
}

/** A minted ticket, as `/connect` returns it. */
export interface IssuedTicket {
  ticket: string;
  expiresAt: number;
}

/** Mints and redeems WebSocket tickets. */
export interface TicketIssuer {
  readonly ttlMs: number;
  /** A fresh 256-bit, single-use ticket bound to `principal`. */
  mint(principal: Principal): Promise<IssuedTicket>;
  /**
   * A verifier for `Authenticator.addVerifier`: redeems tickets (AuthError when unknown, used
   * or expired) and answers null to every other token.
   */
  verifier: TokenVerifier;
}

function digest(ticket: string): string {
  return createHash("sha256").update(ticket).digest("base64url");
}

/**
 * Short-lived, single-use tickets that let a browser open the WebSocket without ever holding
 * the backend's long-lived credentials: a trusted party (the Next.js route, holding the user's
 * session) calls `POST /connect` with those credentials and hands the browser the ticket,
 * which it sends in the `bearer.<base64url>` subprotocol. Redeeming yields the minting
 * principal, including its credential's expiry, so the socket closes when the original
 * credential would have expired.
 */
export function createTicketIssuer(opts: TicketOptions = {}): TicketIssuer {
  const ttlMs = opts.ttlMs ?? 30_000;
  const store = opts.store ?? createMemoryTicketStore();
  return {
    ttlMs,
    async mint(principal) {
      const ticket = TICKET_PREFIX + randomBytes(32).toString("base64url");
      // A ticket never outlives the credential it was minted with.
      const expiresAt = Math.min(Date.now() + ttlMs, principal.expiresAt ?? Number.POSITIVE_INFINITY);
      await store.put(digest(ticket), { principal, expiresAt }, Math.max(0, expiresAt - Date.now()));
      return { ticket, expiresAt };
    },
    async verifier(token) {
      if (!token.startsWith(TICKET_PREFIX)) return null;
      const record = await store.take(digest(token));
      if (!record || record.expiresAt <= Date.now()) {
        throw new AuthError("Ticket unknown, expired or already used; get a fresh one from /connect", {
          reason: "ticket_invalid",
          principalId: record?.principal.id,
        });
      }
      return record.principal;
    },
  };
}
