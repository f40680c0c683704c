/**
 * A TCP proxy for tests that need a network to fail on cue: `cut()` drops every live
 * connection (the client sees 1006, the server a closed socket), `refuse()` turns new
 * connections away, `blackhole()` keeps sockets open but stops forwarding (a half-open
 * connection, as after a laptop sleeps). Real sockets end to end; nothing is mocked.
 */
import { type AddressInfo, createConnection, createServer, type Server, type Socket } from "node:net";

export interface TcpProxy {
  /** The port the proxy listens on (127.0.0.1). */
  readonly port: number;
  /** Connections currently proxied. */
  readonly connections: number;
  /** Connections accepted since start (including refused ones). */
  readonly accepted: number;
  /** `ws://127.0.0.1:<port><path>`, handy for WebSocket URLs. */
  url(path: string): string;
  /** Destroys every live connection on both sides, at once. New connections still work. */
  cut(): void;
  /** While on, new connections are destroyed as soon as they arrive (the server is "down"). */
  refuse(on?: boolean): void;
  /** While on, bytes are no longer forwarded in either direction; sockets stay open. */
  blackhole(on?: boolean): void;
  /**
   * While on, the proxy stops reading what the server sends (it waits in the kernel's buffers,
   * as behind a reader that lags); client → server bytes still flow. Off delivers it all.
   */
  stall(on?: boolean): void;
  /** Sends new connections to another port from now on (a server restarted elsewhere). */
  retarget(port: number): void;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (ephemeral port) forwarding to `target`. */
export async function createTcpProxy(target: { host?: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let refusing = false;
  let holed = false;
  let stalled = false;
  let accepted = 0;
  let targetPort = target.port;
  const server: Server = createServer((client) => {
    accepted++;
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: target.host ?? "127.0.0.1", port: targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const forward = (from: Socket, to: Socket) => {
      from.on("data", (chunk) => {
        if (!holed && !to.destroyed) to.write(chunk);
      });
    };
    forward(client, upstream);
    forward(upstream, client);
    if (stalled) upstream.pause();
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", drop);
    upstream.on("close", drop);
    client.on("error", drop);
    upstream.on("error", drop);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const cut = () => {
    for (const [a, b] of [...pairs]) {
      // resetAndDestroy sends RST like a real network failure; fall back for older Node.
      if (typeof a.resetAndDestroy === "function") a.resetAndDestroy();
      else a.destroy();
      b.destroy();
    }
    pairs.clear();
  };
  return {
    port,
    get connections() {
      return pairs.size;
    },
    get accepted() {
      return accepted;
    },
    url: (path) => `ws://127.0.0.1:${port}${path}`,
    cut,
    refuse(on = true) {
      refusing = on;
    },
    blackhole(on = true) {
      holed = on;
    },
    stall(on = true) {
      stalled = on;
      for (const [, upstream] of pairs) {
        if (on) upstream.pause();
        else upstream.resume();
      }
    },
    retarget(port) {
      targetPort = port;
    },
    close() {
      cut();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
