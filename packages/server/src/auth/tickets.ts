import { createHash, randomBytes } from "node:crypto";
import { AuthError, BackchannelServerError } from "../errors.js";
import type { Principal } from "../principal.js";
import type { TokenVerifier } from "./token-verifier.js";

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
  /**
   * Stores `record` under `digest` for `ttlMs`. Holds at most a bounded number of outstanding
   * tickets per principal (dropping that principal's oldest), never evicting another's.
   */
  put(digest: string, record: TicketRecord, ttlMs: number): Promise<void> | void;
  /** Removes and returns the record: a ticket is redeemable once. Undefined when unknown or expired. */
  take(digest: string): Promise<TicketRecord | undefined> | TicketRecord | undefined;
}

/** Options of `createMemoryTicketStore`. */
export interface MemoryTicketStoreOptions {
  /**
   * Outstanding tickets one principal may hold; minting one more drops that principal's
   * oldest, never anyone else's. @default 32
   */
  maxTicketsPerPrincipal?: number;
  /**
   * Outstanding tickets kept at most; past it minting is refused (`rate_limited`) until some
   * are redeemed or expire. Live tickets are never evicted to make room. @default 100000
   */
  maxTickets?: number;
}

/** Default of `maxTicketsPerPrincipal` (both stores). */
export const MAX_TICKETS_PER_PRINCIPAL = 32;

/** Thrown by `put` when the store holds `maxTickets` live tickets. */
export function ticketStoreFull(): BackchannelServerError {
  return new BackchannelServerError(
    "rate_limited",
    "Too many outstanding WebSocket tickets on this server; retry in a few seconds",
  );
}

/**
 * An in-process `TicketStore`: a Map in insertion order, swept as it is used, plus each
 * principal's outstanding tickets oldest first, so one principal minting many tickets only
 * ever pushes out its own (finding: 32 accounts minting in a loop once evicted a victim's).
 */
export function createMemoryTicketStore(opts: MemoryTicketStoreOptions = {}): TicketStore {
  const max = opts.maxTickets ?? 100_000;
  const perPrincipal = Math.max(1, opts.maxTicketsPerPrincipal ?? MAX_TICKETS_PER_PRINCIPAL);
  const tickets = new Map<string, TicketRecord>();
  const byPrincipal = new Map<string, string[]>();
  const forget = (digest: string, record: TicketRecord) => {
    tickets.delete(digest);
    const own = byPrincipal.get(record.principal.id);
    if (!own) return;
    const at = own.indexOf(digest);
    if (at >= 0) own.splice(at, 1);
    if (own.length === 0) byPrincipal.delete(record.principal.id);
  };
  const sweep = (now: number) => {
    // Insertion order is close to expiry order (one TTL per issuer): stop at the first live one.
    for (const [digest, record] of tickets) {
      if (record.expiresAt > now) break;
      forget(digest, record);
    }
  };
  return {
    put(digest, record) {
      sweep(Date.now());
      const own = byPrincipal.get(record.principal.id) ?? [];
      // Full: refuse rather than evict someone's live ticket (a principal at its cap makes room itself).
      if (tickets.size >= max && own.length < perPrincipal) throw ticketStoreFull();
      while (own.length >= perPrincipal) {
        const oldest = own[0]!;
        forget(oldest, tickets.get(oldest) ?? record);
      }
      tickets.set(digest, record);
      own.push(digest);
      byPrincipal.set(record.principal.id, own);
    },
    take(digest) {
      const record = tickets.get(digest);
      if (!record) return undefined;
      forget(digest, record);
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
   * A verifier for `Authenticator.useTickets`: redeems tickets (AuthError when unknown, used
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
