import { createServer } from "node:http";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { whoami } from "../../../test/helpers/agents.js";
import { connectPeer, startRun } from "../../../test/helpers/ws-peer.js";
import { CopilotKitSDK } from "./index.js";

const silent = pino({ level: "silent" });

async function listen(server: ReturnType<typeof createServer>) {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as { port: number }).port;
}

describe("mounting on an existing server", () => {
  it("attach() + nodeHandler() share a plain http server with the app's own routes and sockets", async () => {
    const sdk = new CopilotKitSDK({ agents: [whoami], auth: { apiKeys: "mount-key-0000" }, logger: silent });
    const handler = sdk.nodeHandler();
    const server = createServer((req, res) =>
      handler(req, res, () => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("app route");
      }),
    );
    // The app's own WebSocket endpoint lives beside ours.
    const appWss = new WebSocketServer({ noServer: true });
    server.on("upgrade", (req, socket, head) => {
      if (req.url === "/app-ws") appWss.handleUpgrade(req, socket, head, (ws) => ws.send("app socket"));
    });
    sdk.attach(server);
    const port = await listen(server);
    expect(await (await fetch(`http://127.0.0.1:${port}/somewhere`)).text()).toBe("app route");
    expect((await fetch(`http://127.0.0.1:${port}/copilotkit/health`)).status).toBe(200);
    const peer = await connectPeer(`ws://127.0.0.1:${port}/copilotkit/ws`, {
      headers: { authorization: "Bearer mount-key-0000" },
    });
    const runId = startRun(peer, "whoami");
    expect((await peer.runEvents(runId)).at(-1).event.type).toBe("RUN_FINISHED");
    peer.close();
    await sdk.close();
    appWss.close();
  });

  it("handleWebSocket() serves a socket the app upgraded and authenticated itself (the seed's shape)", async () => {
    const sdk = new CopilotKitSDK({ agents: [whoami], auth: { apiKeys: "unused-key-000" }, logger: silent });
    const wss = new WebSocketServer({ noServer: true });
    const server = createServer();
    server.on("upgrade", (req, socket, head) => {
      const apiKey = new URL(req.url ?? "/", "http://x").searchParams.get("api_key");
      wss.handleUpgrade(req, socket, head, (ws) => {
        // like the seed: verify, close with 1008 on failure, else hand the socket to the SDK
        if (apiKey !== "seed-key") return ws.close(1008, "Invalid or missing API key");
        sdk.handleWebSocket(ws, req, { principal: { id: "seed-user", kind: "user" } });
      });
    });
    const port = await listen(server);
    const refused = await connectPeer(`ws://127.0.0.1:${port}/copilotkit/ws?api_key=nope`, {
      awaitReady: false,
    });
    expect(await refused.closed).toMatchObject({ code: 1008, reason: "Invalid or missing API key" });
    const peer = await connectPeer(`ws://127.0.0.1:${port}/copilotkit/ws?api_key=seed-key`);
    const runId = startRun(peer, "whoami");
    const events = await peer.runEvents(runId);
    expect(events.find((f) => f.event.type === "TEXT_MESSAGE_CONTENT").event.delta).toBe(
      "user:user:seed-user",
    );
    peer.close();
    await sdk.close();
    wss.close();
    server.close();
  });
});
