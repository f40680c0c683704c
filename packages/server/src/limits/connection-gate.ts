import type { Principal } from "../principal.js";

/**
 * Counts authenticated connections (WebSockets and SSE streams), server-wide and per principal:
 * what `limits.maxConnections` and `limits.maxConnectionsPerPrincipal` bound. Sockets still
 * authenticating are the pre-auth gate's, never counted here.
 */
export class ConnectionGate {
  private readonly perPrincipal = new Map<string, number>();
  private count = 0;

  constructor(private readonly limits: { maxConnections: number; maxConnectionsPerPrincipal: number }) {}

  /** Authenticated connections open now. */
  get authenticated(): number {
    return this.count;
  }

  /** Counts a connection in; returns why it is refused instead when over a limit. */
  admit(principal: Principal): string | undefined {
    if (this.count >= this.limits.maxConnections) return "Server at its connection limit; retry later";
    const count = this.perPrincipal.get(principal.id) ?? 0;
    if (count >= this.limits.maxConnectionsPerPrincipal) {
      return `Too many connections for this user (${count}); close other tabs or retry later`;
    }
    this.perPrincipal.set(principal.id, count + 1);
    this.count++;
    return undefined;
  }

  /** Counts an admitted connection out. */
  release(principal: Principal): void {
    this.count = Math.max(0, this.count - 1);
    const count = (this.perPrincipal.get(principal.id) ?? 1) - 1;
    if (count <= 0) this.perPrincipal.delete(principal.id);
    else this.perPrincipal.set(principal.id, count);
  }
}
