/** A socket waiting to authenticate, as the gate tracks it. */
export interface PendingSocket {
  /** Closes the socket to make room for a newer one. */
  evict(): void;
}

/** Budgets of the gate. */
export interface PreAuthBudget {
  /** Sockets still authenticating, server-wide. */
  max: number;
  /** Sockets still authenticating per remote address. */
  perAddress: number;
}

/**
 * The budget of sockets that have not authenticated yet, kept apart from the authenticated
 * connection limit so that sockets without credentials can never keep real users out.
 *
 * When a budget is full the OLDEST waiting socket goes, not the newcomer: a flood of sockets
 * that never authenticate then only churns itself (first within its own address's budget),
 * while a real client, which authenticates within milliseconds of connecting, gets in. A
 * refusal of newcomers would instead let whoever filled the budget first keep it.
 */
export class PreAuthGate {
  /** Every waiting socket, oldest first (Set iteration is insertion order). */
  private readonly all = new Set<PendingSocket>();
  private readonly byAddress = new Map<string, Set<PendingSocket>>();
  private readonly addressOf = new Map<PendingSocket, string>();

  constructor(private readonly budget: PreAuthBudget) {}

  /** Sockets waiting to authenticate. */
  get size(): number {
    return this.all.size;
  }

  /** Admits `socket` from `address`, evicting the oldest waiting socket(s) when over budget. */
  enter(socket: PendingSocket, address: string | undefined): void {
    const key = address ?? "";
    let own = this.byAddress.get(key);
    while (own && own.size >= Math.max(1, this.budget.perAddress)) this.evict(first(own)!);
    while (this.all.size >= Math.max(1, this.budget.max)) this.evict(first(this.all)!);
    own = this.byAddress.get(key);
    if (!own) {
      own = new Set();
      this.byAddress.set(key, own);
    }
    own.add(socket);
    this.all.add(socket);
    this.addressOf.set(socket, key);
  }

  /** `socket` authenticated or closed: it no longer counts. Idempotent. */
  leave(socket: PendingSocket): void {
    const key = this.addressOf.get(socket);
    if (key === undefined) return;
    this.addressOf.delete(socket);
    this.all.delete(socket);
    const own = this.byAddress.get(key);
    own?.delete(socket);
    if (own?.size === 0) this.byAddress.delete(key);
  }

  private evict(socket: PendingSocket): void {
    // Leave first: `evict` may or may not call back into `leave`.
    this.leave(socket);
    socket.evict();
  }
}

function first<T>(set: Set<T>): T | undefined {
  for (const v of set) return v;
  return undefined;
}
