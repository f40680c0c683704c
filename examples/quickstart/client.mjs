import { createClient } from "@backchannel/client";
import { WebSocket } from "ws";

const client = createClient({
  url: `ws://127.0.0.1:${process.env.PORT ?? 8000}/copilotkit/ws`,
  token: process.env.AGENT_API_KEY ?? "dev-key",
  WebSocket,
});
const run = client.startRun({
  agent: "shouter",
  input: { messages: [{ id: "u1", role: "user", content: "hello from the quick start" }] },
});
for await (const event of run) {
  if (event.type === "TEXT_MESSAGE_CONTENT") process.stdout.write(event.delta);
}
process.stdout.write("\n");
client.close();
