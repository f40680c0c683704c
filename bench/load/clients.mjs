/**
 * Lean load-generator clients, one per server under test, with one interface: `open()` a
 * connection, `run(props, onText)` on it, `close()`. Each parses every frame (JSON) and
 * checks the stream, as a real client must; none folds messages, so the client costs the
 * same for every server and the server is what is measured.
 * @module
 */
import { randomUUID } from "node:crypto";
import { Agent, request } from "node:http";
import { EventSchemas } from "@ag-ui/core/schemas";
import { createFoldState, foldEvent, foldSnapshot } from "@backchannel/protocol/fold";
import { WebSocket } from "ws";
import { nowMicros } from "../lib/agent.mjs";

export const BENCH_KEY = "bench-key-0123456789abcdef";

/** A RunAgentInput for the bench agent. */
export function benchInput(props) {
  return {
    threadId: randomUUID(),
    runId: randomUUID(),
    messages: [{ id: randomUUID(), role: "user", content: props.question ?? "Summarise the fund's week" }],
    tools: [],
    context: [],
    state: {},
    forwardedProps: props,
  };
}

/** Opens a ws socket; `onFrame(frame, recvMicros)` gets every parsed frame. Resolves once `ready` (or open). */
export function openSocket(url, { headers, awaitReady, onFrame }) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, awaitReady ? ["backchannel.v1"] : [], {
      headers,
      perMessageDeflate: false,
    });
    ws.on("error", reject);
    ws.on("message", (data) => {
      const at = nowMicros();
      const frame = JSON.parse(String(data));
      if (frame.type === "ready") resolve(ws);
      else onFrame(frame, at);
    });
    if (!awaitReady) ws.once("open", () => resolve(ws));
  });
}

/**
 * What a client does with each AG-UI event besides parsing it: nothing (the lean clients that
 * measure the server), or (`check`) what an ordinary chat client does: validate it against
 * AG-UI's schemas (as `@ag-ui/client` does with every event it receives), fold it into the
 * run's messages, and take a snapshot to render (as a UI does per update), so the reader is
 * the bottleneck (the readerBound scenarios). The same work for every server.
 */
function eventCheck(check) {
  if (!check) return () => {};
  return (e, r) => {
    EventSchemas.parse(e);
    r.fold ??= createFoldState();
    foldEvent(r.fold, e);
    foldSnapshot(r.fold);
  };
}

/** One in-flight run on a socket client: checks seq continuity and counts text. */
function runState(onText, onFirst) {
  return { last: 0, bytes: 0, events: 0, frames: 0, gaps: 0, onText, onFirst, done: undefined };
}

function wsClient(url, { backchannel, check, mergeMs }) {
  const checkEvent = eventCheck(check);
  return {
    async open() {
      const runs = new Map();
      const onFrame = (f, at) => {
        if (f.type === "error") {
          const r = runs.get(f.runId);
          if (r) r.done.reject(new Error(`${f.code}: ${f.message}`));
          return;
        }
        if (f.type !== "event") return;
        const r = runs.get(f.runId);
        if (!r) return;
        r.frames++;
        if (backchannel) {
          const first = f.first ?? f.seq;
          if (first !== r.last + 1) r.gaps++;
          r.events += f.seq - r.last;
          r.last = f.seq;
        } else r.events++;
        const e = f.event;
        checkEvent(e, r);
        if (e.type === "TEXT_MESSAGE_CONTENT") {
          if (r.bytes === 0) r.onFirst?.(at);
          r.bytes += e.delta.length;
          r.onText?.(e.delta, at);
        } else if (e.type === "RUN_FINISHED" || e.type === "RUN_ERROR") {
          runs.delete(f.runId);
          if (e.type === "RUN_ERROR") r.done.reject(new Error(e.message));
          else r.done.resolve(r);
        }
      };
      const ws = await openSocket(url, {
        headers: backchannel ? { authorization: `Bearer ${BENCH_KEY}` } : {},
        awaitReady: backchannel,
        onFrame,
      });
      // What @backchannel/client does in a browser (mergeDeltasMs): ask for a merge window.
      if (mergeMs) ws.send(JSON.stringify({ type: "options", mergeMs }));
      return {
        ws,
        /** Starts a run; resolves with `{bytes, events, frames, gaps}` at its terminal event. */
        run(props, onText, onFirst) {
          const input = benchInput(props);
          const r = runState(onText, onFirst);
          const p = new Promise((resolve, reject) => {
            r.done = { resolve, reject };
          });
          runs.set(input.runId, r);
          ws.send(
            JSON.stringify(
              backchannel
                ? { type: "run", id: input.runId, agent: props.agent ?? "bench", input }
                : { type: "run", runId: input.runId, threadId: input.threadId, props },
            ),
          );
          return p;
        },
        close() {
          ws.terminate();
        },
      };
    },
  };
}

/** Reads an AG-UI SSE body: calls `onEvent(event, recvMicros)` per `data:` block. */
export function readSse(res, onEvent) {
  let buf = "";
  res.setEncoding("utf8");
  res.on("data", (chunk) => {
    const at = nowMicros();
    buf += chunk;
    let end = buf.indexOf("\n\n");
    while (end >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      if (block.startsWith("data: ")) onEvent(JSON.parse(block.slice(6)), at);
      end = buf.indexOf("\n\n");
    }
  });
}

/** POSTs `body` as JSON to an SSE endpoint; resolves with the response. */
export function postSse(url, body, agent) {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "POST",
      agent,
      headers: { "content-type": "application/json", accept: "text/event-stream" },
    });
    req.on("response", resolve);
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

function copilotkitClient(baseUrl, { check }) {
  const checkEvent = eventCheck(check);
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  return {
    async open() {
      return {
        run(props, onText, onFirst) {
          const input = benchInput(props);
          const r = runState(onText, onFirst);
          return new Promise((resolve, reject) => {
            postSse(`${baseUrl}/agent/bench/run`, input, agent).then((res) => {
              if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
              readSse(res, (e, at) => {
                checkEvent(e, r);
                r.events++;
                r.frames++;
                if (e.type === "TEXT_MESSAGE_CONTENT") {
                  if (r.bytes === 0) r.onFirst?.(at);
                  r.bytes += e.delta.length;
                  r.onText?.(e.delta, at);
                } else if (e.type === "RUN_ERROR") reject(new Error(e.message));
              });
              res.on("end", () => resolve(r));
              res.on("error", reject);
            }, reject);
          });
        },
        close() {},
      };
    },
    destroy: () => agent.destroy(),
  };
}

/** The client for `target` ("backchannel" | "copilotkit" | "bare-ws") at `port`. */
export function clientFor(target, port, { check = false, mergeMs = 0 } = {}) {
  if (target === "backchannel")
    return wsClient(`ws://127.0.0.1:${port}/copilotkit/ws`, { backchannel: true, check, mergeMs });
  if (target === "bare-ws") return wsClient(`ws://127.0.0.1:${port}/`, { backchannel: false, check });
  if (target === "copilotkit") return copilotkitClient(`http://127.0.0.1:${port}/api/copilotkit`, { check });
  throw new Error(`unknown target ${target}`);
}
