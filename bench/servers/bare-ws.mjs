/**
 * The floor of a frame-per-event design: a bare `ws` server that, for each event of the
 * same synthetic agent, writes one frame prepared before the run (no validation, no
 * sequence numbers, no buffering, no auth). Only stamped deltas (latency runs), whose text
 * is known at emit time only, are concatenated into a prepared prefix and suffix.
 *
 * Request: `{"type":"run","runId","threadId","props"}`; each event goes out as
 * `{"type":"event","runId","event":{...}}`.
 * @module
 */
import { createServer } from "node:http";
import { WebSocketServer } from "ws";
import { benchEvents, benchParams, WORDS } from "../lib/agent.mjs";
import { serveStats } from "../lib/server-child.mjs";

process.on("SIGTERM", () => process.exit(0));

const server = createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server, perMessageDeflate: false });

wss.on("connection", (ws) => {
  ws.on("error", () => {});
  ws.on("message", (data) => {
    const req = JSON.parse(String(data));
    if (req.type === "run") void stream(ws, req);
  });
});

async function stream(ws, req) {
  const { runId, threadId, props } = req;
  const prefix = `{"type":"event","runId":${JSON.stringify(runId)},"event":`;
  const messageId = `m-${runId}`;
  // Every frame of the run, serialised before the first event is emitted.
  const words = WORDS.map(
    (w) =>
      `${prefix}{"type":"TEXT_MESSAGE_CONTENT","messageId":"${messageId}","delta":${JSON.stringify(w)}}}`,
  );
  const stampHead = `${prefix}{"type":"TEXT_MESSAGE_CONTENT","messageId":"${messageId}","delta":" `;
  const fixed = {
    RUN_STARTED: `${prefix}${JSON.stringify({ type: "RUN_STARTED", threadId, runId })}}`,
    TEXT_MESSAGE_START: `${prefix}{"type":"TEXT_MESSAGE_START","messageId":"${messageId}","role":"assistant"}}`,
    TEXT_MESSAGE_END: `${prefix}{"type":"TEXT_MESSAGE_END","messageId":"${messageId}"}}`,
    RUN_FINISHED: `${prefix}${JSON.stringify({ type: "RUN_FINISHED", threadId, runId })}}`,
  };
  const { stamp } = benchParams(props);
  let i = 0;
  for await (const event of benchEvents({ threadId, runId }, props)) {
    if (ws.readyState !== ws.OPEN) return;
    if (event.type !== "TEXT_MESSAGE_CONTENT") ws.send(fixed[event.type]);
    else if (stamp) ws.send(`${stampHead}${event.delta.slice(1)}"}}`);
    else ws.send(words[i++ % words.length]);
  }
}

server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => serveStats(server.address().port));
