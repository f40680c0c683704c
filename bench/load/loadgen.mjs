/**
 * The load-generator process: runs one scenario against one server and reports the result
 * to the orchestrator over IPC. Started by bench/run.mjs, never by hand.
 * @module
 */
import { cache, firstToken, idle, latency, resume, throughput } from "./scenarios.mjs";

const scenarios = {
  throughput,
  throughputBurst: throughput,
  readerBound: throughput,
  readerBoundBurst: throughput,
  readerBoundWindow: throughput,
  readerBoundBurstWindow: throughput,
  latency,
  firstToken,
  idle,
  resume,
  cache,
};

const pending = new Map();
process.on("message", (msg) => {
  if (msg.type === "ack") pending.get(msg.name)?.();
  if (msg.type === "start") void start(msg);
});

function mark(name) {
  return new Promise((resolve) => {
    pending.set(name, resolve);
    process.send({ type: "mark", name });
  });
}

async function start({ scenario, params }) {
  try {
    const result = await scenarios[scenario](params, mark);
    process.send({ type: "result", result });
  } catch (err) {
    process.send({ type: "failed", error: String(err?.stack ?? err) });
  }
}
