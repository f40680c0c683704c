/**
 * An HTTP proxy like the corporate ones that break WebSockets: it forwards plain HTTP
 * (streaming, unbuffered) to the target, but answers every `Upgrade` with 403 while
 * `refuseUpgrades` is on. With it off, upgrades are tunnelled through. `cutStreams()`
 * drops every forwarded HTTP response mid-flight (a flaky network). Real sockets throughout.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";

export interface RefusingProxy {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly httpUrl: string;
  /** `ws://127.0.0.1:<port>` */
  readonly wsOrigin: string;
  /** Upgrade requests seen (refused or not). */
  readonly upgradesSeen: number;
  /** Upgrade requests tunnelled to the target. */
  readonly upgradesPassed: number;
  refuseUpgrades(on: boolean): void;
  /**
   * While on, upgrades are answered with a valid 101 by the proxy itself, which then passes
   * no frames in either direction: the socket opens and stays silent.
   */
  swallowUpgrades(on: boolean): void;
  /** Destroys every in-flight proxied HTTP exchange. */
  cutStreams(): void;
  close(): Promise<void>;
}

export async function createRefusingProxy(target: { port: number; host?: string }): Promise<RefusingProxy> {
  const host = target.host ?? "127.0.0.1";
  let refusing = true;
  let swallowing = false;
  let upgradesSeen = 0;
  let upgradesPassed = 0;
  const live = new Set<{ req: IncomingMessage; res: ServerResponse }>();
  const tunnels = new Set<Socket>();

  const server = createServer((req, res) => {
    const exchange = { req, res };
    live.add(exchange);
    res.on("close", () => live.delete(exchange));
    const upstream = request(
      { host, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        res.flushHeaders();
        ur.on("data", (chunk) => res.write(chunk));
        ur.on("end", () => res.end());
        ur.on("error", () => res.destroy());
        res.on("close", () => ur.destroy());
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    upgradesSeen++;
    if (swallowing) {
      const accept = createHash("sha1")
        .update(`${req.headers["sec-websocket-key"]}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
        .digest("base64");
      socket.write(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          `Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: backchannel.v1\r\n\r\n`,
      );
      socket.on("data", () => {});
      socket.on("error", () => {});
      tunnels.add(socket);
      return;
    }
    if (refusing) {
      socket.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      return;
    }
    upgradesPassed++;
    const upstream = connect(target.port, host, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head.length) upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    tunnels.add(socket);
    const drop = () => {
      tunnels.delete(socket);
      socket.destroy();
      upstream.destroy();
    };
    socket.on("error", drop);
    upstream.on("error", drop);
    socket.on("close", drop);
    upstream.on("close", drop);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    wsOrigin: `ws://127.0.0.1:${port}`,
    get upgradesSeen() {
      return upgradesSeen;
    },
    get upgradesPassed() {
      return upgradesPassed;
    },
    refuseUpgrades(on) {
      refusing = on;
    },
    swallowUpgrades(on) {
      swallowing = on;
    },
    cutStreams() {
      for (const { res } of [...live]) res.destroy();
    },
    close() {
      for (const { res } of [...live]) res.destroy();
      for (const s of [...tunnels]) s.destroy();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
