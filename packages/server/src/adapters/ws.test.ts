import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import type { Transport } from "../session/transport.js";
import { wsTransport } from "./ws.js";

const servers: Server[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A real ws server whose single connection is handed to `wsTransport`; a real ws client. */
async function pair(): Promise<{
  transport: Transport;
  server: WebSocket;
  client: WebSocket;
  received: string[];
}> {
  const http = createServer();
  servers.push(http);
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  const accepted = new Promise<WebSocket>((r) => wss.once("connection", r));
  const client = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`, {
    perMessageDeflate: false,
    maxPayload: 1 << 30,
  });
  const received: string[] = [];
  client.on("message", (data, isBinary) => {
    expect(isBinary).toBe(false);
    received.push(String(data));
  });
  await new Promise((r) => client.once("open", r));
  const server = await accepted;
  sockets.push(client, server);
  return { transport: wsTransport(server), server, client, received };
}

async function until(check: () => boolean) {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe("wsTransport", () => {
  it("takes the direct-socket fast path: a turn's frames reach the peer without ws.send (fails if ws internals moved)", async () => {
    const { transport, server, received } = await pair();
    // The fast path writes to ws's net.Socket and checks ws's sender queue; if a ws upgrade renames
    // either (`_socket`, `_sender._bufferedBytes`), the transport silently falls back to ws.send.
    let viaSend = 0;
    const send = server.send.bind(server);
    server.send = ((...args: Parameters<WebSocket["send"]>) => {
      viaSend++;
      return send(...args);
    }) as WebSocket["send"];
    for (let turn = 0; turn < 3; turn++) {
      transport.send(`{"turn":${turn},"a":1}`);
      transport.send(`{"turn":${turn},"b":2}`);
      await new Promise((r) => setImmediate(r));
    }
    await until(() => received.length === 6);
    expect(received[5]).toBe('{"turn":2,"b":2}');
    expect(viaSend).toBe(0);
  });

  it("delivers every frame of a turn, in order, across all three length encodings and multi-byte text", async () => {
    const { transport, received } = await pair();
    const texts = [
      "",
      "a",
      "x".repeat(125),
      "é".repeat(63), // 126 bytes in 63 characters: the 16-bit length
      "€".repeat(21_845), // 65,535 bytes
      "y".repeat(65_536), // the 64-bit length
      '{"type":"event","seq":1,"event":{"delta":"日本語 \u2028 🙂"}}',
    ];
    for (const t of texts) transport.send(t);
    await until(() => received.length === texts.length);
    expect(received).toEqual(texts);
  });

  it("keeps the order of frames sent over many turns, and of a long burst flushed early", async () => {
    const { transport, received } = await pair();
    const sent: string[] = [];
    for (let turn = 0; turn < 20; turn++) {
      for (let i = 0; i < 50; i++) {
        const t = `${turn}:${i}:${"z".repeat(i * 97)}`;
        sent.push(t);
        transport.send(t);
      }
      await new Promise((r) => setImmediate(r));
    }
    await until(() => received.length === sent.length);
    expect(received).toEqual(sent);
  });

  it("sends frames queued before close() ahead of the close frame, and drops frames after it", async () => {
    const { transport, client, received } = await pair();
    const closed = new Promise<number>((r) => client.once("close", (code) => r(code)));
    transport.send("last words");
    transport.close(4001, "bye");
    transport.send("after close");
    expect(await closed).toBe(4001);
    expect(received).toEqual(["last words"]);
    expect(transport.isOpen).toBe(false);
  });

  it("drops frames for a socket the peer already closed, without throwing", async () => {
    const { transport, server, client } = await pair();
    const gone = new Promise((r) => server.once("close", r));
    client.terminate();
    await gone;
    expect(() => transport.send("nobody listens")).not.toThrow();
    await new Promise((r) => setImmediate(r));
  });
});
