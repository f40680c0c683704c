#!/usr/bin/env node
/**
 * `node bench/resume-storm.mjs`: one user replays a long finished run from 32 sockets over
 * and over, while another user pings every 10 ms from its own process; prints the bystander's
 * ping round trip (p50/p99/max) before and during the storm, and how many replays completed.
 * Issue 11 finding 10; the target is a bystander p99 under 50 ms during the storm.
 *
 *   node bench/resume-storm.mjs [--events=9000] [--sockets=32] [--seconds=5]
 * @module
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { WebSocket } from "ws";
import { startServer } from "./lib/proc.mjs";
import { Samples } from "./lib/stats.mjs";
import { BENCH_KEY, benchInput } from "./load/clients.mjs";

/** The second principal of servers/backchannel.mjs (the bystander). */
const BENCH_OTHER_KEY = "bench-other-key-0123456789abcdef";

function summarize(values) {
  const samples = new Samples();
  samples.addAll(values);
  return samples.summary();
}

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, "").split("=");
    return [k, v ?? "true"];
  }),
);

if (args.pinger) await pinger(Number(args.port));
else await main();

function open(url, key) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ["backchannel.v1"], {
      headers: { authorization: `Bearer ${key}` },
      perMessageDeflate: false,
    });
    ws.once("error", reject);
    ws.on("message", function onReady(d) {
      if (JSON.parse(String(d)).type === "ready") {
        ws.off("message", onReady);
        resolve(ws);
      }
    });
  });
}

/** The bystander: pings every 10 ms; on "report" answers the round trips since the last "mark". */
async function pinger(port) {
  const ws = await open(`ws://127.0.0.1:${port}/copilotkit/ws`, BENCH_OTHER_KEY);
  let rtts = [];
  ws.on("message", (d) => {
    const f = JSON.parse(String(d));
    if (f.type === "pong") rtts.push(performance.now() - f.ts);
  });
  setInterval(() => ws.send(JSON.stringify({ type: "ping", ts: performance.now() })), 10);
  process.on("message", (m) => {
    if (m === "mark") rtts = [];
    if (m === "report") process.send({ rtts });
  });
  process.send("ready");
}

async function main() {
  const events = Number(args.events ?? 9000);
  const sockets = Number(args.sockets ?? 32);
  const seconds = Number(args.seconds ?? 5);
  const server = await startServer("backchannel");
  const url = `ws://127.0.0.1:${server.port}/copilotkit/ws`;

  // The long run, finished and retained for resume.
  const owner = await open(url, BENCH_KEY);
  const input = benchInput({ tokens: events - 2, custom: true });
  await new Promise((resolve) => {
    owner.on("message", (d) => {
      const f = JSON.parse(String(d));
      if (f.type === "event" && f.event.type === "RUN_FINISHED") resolve();
    });
    owner.send(JSON.stringify({ type: "run", id: "r", agent: "bench", input }));
  });

  const child = fork(fileURLToPath(import.meta.url), ["--pinger", `--port=${server.port}`]);
  await new Promise((resolve) => child.once("message", resolve));
  const report = () =>
    new Promise((resolve) => {
      child.once("message", (m) => resolve(m.rtts));
      child.send("report");
    });
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  await sleep(500);
  child.send("mark");
  await sleep(2000);
  const quiet = summarize(await report());

  let replays = 0;
  let stop = false;
  const storm = await Promise.all(Array.from({ length: sockets }, () => open(url, BENCH_KEY)));
  child.send("mark");
  for (const ws of storm) {
    ws.on("message", (d) => {
      const f = JSON.parse(String(d));
      if (f.type === "event" && f.event.type === "RUN_FINISHED") {
        replays++;
        if (!stop) ws.send(JSON.stringify({ type: "resume", runId: input.runId, after: 0 }));
      }
    });
    ws.send(JSON.stringify({ type: "resume", runId: input.runId, after: 0 }));
  }
  await sleep(seconds * 1000);
  stop = true;
  const during = summarize(await report());
  for (const ws of [...storm, owner]) ws.terminate();
  child.kill();
  await server.stop();

  const fmt = (s) =>
    `p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms (${s.count} pings)`;
  const result = {
    events,
    sockets,
    seconds,
    quiet,
    during,
    replaysCompleted: replays,
    eventsReplayedPerSecond: Math.round((replays * events) / seconds),
  };
  console.log(`bystander ping, quiet:       ${fmt(quiet)}`);
  console.log(`bystander ping, during storm: ${fmt(during)}`);
  console.log(
    `replays of ${events} events completed in ${seconds} s: ${replays} (${result.eventsReplayedPerSecond} events/s)`,
  );
  if (args.json) console.log(JSON.stringify(result));
  process.exit(0);
}
