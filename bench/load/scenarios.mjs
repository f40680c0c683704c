/**
 * The measured scenarios, run inside the load-generator process against one server.
 * `mark(name)` pauses until the orchestrator has sampled the server (CPU, memory).
 * @module
 */
import { Agent } from "node:http";
import { expectedTextBytes, nowMicros } from "../lib/agent.mjs";
import { Samples } from "../lib/stats.mjs";
import { BENCH_KEY, benchInput, clientFor, openSocket, postSse, readSse } from "./clients.mjs";

/** Opens `n` connections, `batch` at a time (a burst of 10k SYNs overflows the accept queue). */
async function openMany(client, n, batch = 100) {
  const conns = [];
  for (let i = 0; i < n; i += batch) {
    const size = Math.min(batch, n - i);
    conns.push(...(await Promise.all(Array.from({ length: size }, () => client.open()))));
  }
  return conns;
}

/**
 * C clients × R sequential runs × K tokens, as fast as the server delivers. With `check`, every
 * client validates every event against AG-UI's schemas (the reader-bound scenarios).
 */
export async function throughput({ target, port, clients, runs, tokens, burst, check, mergeMs }, mark) {
  const client = clientFor(target, port, { check, mergeMs });
  const conns = await openMany(client, clients);
  // Warm-up (JIT, pools), not measured.
  await Promise.all(conns.map((c) => c.run({ tokens: Math.min(tokens, 200), burst })));
  await mark("start");
  const cpu0 = process.cpuUsage();
  const t0 = nowMicros();
  let bytes = 0;
  let events = 0;
  let frames = 0;
  let gaps = 0;
  await Promise.all(
    conns.map(async (c) => {
      for (let i = 0; i < runs; i++) {
        const r = await c.run({ tokens, burst });
        bytes += r.bytes;
        events += r.events;
        frames += r.frames;
        gaps += r.gaps;
      }
    }),
  );
  const seconds = (nowMicros() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  await mark("end");
  for (const c of conns) c.close();
  client.destroy?.();
  const expected = clients * runs * expectedTextBytes(tokens);
  if (bytes !== expected) throw new Error(`${target}: received ${bytes} text bytes, expected ${expected}`);
  if (gaps) throw new Error(`${target}: ${gaps} sequence gaps`);
  return {
    tokens: clients * runs * tokens,
    textBytes: bytes,
    events,
    frames,
    seconds,
    loadgenCpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

/** N concurrent streams at `rate` tokens/s each; emit → receive latency of every token. */
export async function latency({ target, port, streams, rate, seconds, skip }, mark) {
  const client = clientFor(target, port);
  const conns = await openMany(client, streams);
  await mark("start");
  const samples = new Samples(streams * rate * seconds);
  const tokens = Math.round(rate * seconds);
  const t0 = nowMicros();
  await Promise.all(
    conns.map(async (c, i) => {
      // Spread the starts over one token interval, as independent users would be.
      await new Promise((r) => setTimeout(r, ((i % 100) / 100) * (1000 / rate)));
      let n = 0;
      await c.run({ tokens, rate, stamp: true }, (delta, at) => {
        // A merged frame carries several stamps; each token counts.
        for (const s of delta.split(" ")) {
          if (!s) continue;
          if (n++ >= skip) samples.add((at - Number(s)) / 1000);
        }
      });
    }),
  );
  const wall = (nowMicros() - t0) / 1e6;
  await mark("end");
  for (const c of conns) c.close();
  client.destroy?.();
  return { ...samples.summary(), expected: streams * (tokens - skip), wallSeconds: wall };
}

/** Sequential runs whose agent emits at once: run request sent → first token received. */
export async function firstToken({ target, port, runs, warmup }) {
  const client = clientFor(target, port);
  const [conn] = await openMany(client, 1);
  const samples = new Samples(runs);
  for (let i = 0; i < warmup + runs; i++) {
    const sent = nowMicros();
    let first = 0;
    await conn.run({ tokens: 3 }, undefined, (at) => {
      first = at;
    });
    if (i >= warmup) samples.add((first - sent) / 1000);
  }
  conn.close();
  client.destroy?.();
  return samples.summary();
}

/** N authenticated idle connections; the orchestrator reads the server's RSS at the marks. */
export async function idle({ target, port, connections, warm }, mark) {
  const client = clientFor(target, port);
  const first = await openMany(client, warm);
  await mark("warm");
  const rest = await openMany(client, connections - warm, 200);
  await mark("connected");
  for (const c of [...first, ...rest]) c.close();
  return { connections, warm };
}

/** Drops the socket mid-run, reconnects at once and resumes: drop → first replayed event. */
export async function resume({ target, port, trials, concurrency, rate, tokens, dropAfter }) {
  const trial = target === "backchannel" ? resumeBackchannel : resumeCopilotKit;
  const toFirst = new Samples(trials);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < trials) {
        next++;
        toFirst.add(await trial(port, { tokens, rate }, dropAfter));
      }
    }),
  );
  return toFirst.summary();
}

async function resumeBackchannel(port, props, dropAfter) {
  const url = `ws://127.0.0.1:${port}/copilotkit/ws`;
  const headers = { authorization: `Bearer ${BENCH_KEY}` };
  const input = benchInput(props);
  let last = 0;
  let dropped;
  const reached = new Promise((r) => {
    dropped = r;
  });
  const ws1 = await openSocket(url, {
    headers,
    awaitReady: true,
    onFrame: (f) => {
      if (f.type !== "event" || last >= dropAfter) return;
      last = f.seq;
      if (last >= dropAfter) dropped();
    },
  });
  ws1.send(JSON.stringify({ type: "run", id: input.runId, agent: "bench", input }));
  await reached;
  const t0 = nowMicros();
  ws1.terminate();
  let firstAt = 0;
  let done;
  let failed;
  const finished = new Promise((resolve, reject) => {
    done = resolve;
    failed = reject;
  });
  const ws2 = await openSocket(url, {
    headers,
    awaitReady: true,
    onFrame: (f, at) => {
      if (f.type === "error") return failed(new Error(`${f.code}: ${f.message}`));
      if (f.type !== "event") return;
      if ((f.first ?? f.seq) !== last + 1)
        return failed(new Error(`gap: after ${last} got ${f.first ?? f.seq}`));
      if (!firstAt) firstAt = at;
      last = f.seq;
      if (f.event.type === "RUN_FINISHED") done();
    },
  });
  ws2.send(JSON.stringify({ type: "resume", runId: input.runId, after: last }));
  await finished;
  ws2.terminate();
  return (firstAt - t0) / 1000;
}

const fresh = new Agent({ keepAlive: false });

async function resumeCopilotKit(port, props, dropAfter) {
  const base = `http://127.0.0.1:${port}/api/copilotkit/agent/bench`;
  const input = benchInput(props);
  let seen = 0;
  const res1 = await postSse(`${base}/run`, input, fresh);
  await new Promise((resolve) => {
    readSse(res1, () => {
      if (++seen === dropAfter) resolve();
    });
  });
  const t0 = nowMicros();
  res1.destroy();
  const before = seen;
  let n = 0;
  let firstAt = 0;
  // `connect` is the runtime v2's way back into a thread: it replays the running run's events.
  const res2 = await postSse(`${base}/connect`, { ...input, runId: input.runId }, fresh);
  await new Promise((resolve, reject) => {
    readSse(res2, (_e, at) => {
      if (n++ === before) firstAt = at;
    });
    res2.on("end", resolve);
    res2.on("error", reject);
  });
  if (!firstAt) throw new Error(`copilotkit connect replayed ${n} events, fewer than the ${before} seen`);
  return (firstAt - t0) / 1000;
}

/**
 * The response cache, for a realistic paced agent (`tokens` at `rate` tokens/s, like a model
 * streaming): each trial asks a new question (a miss: the agent runs) and then the same
 * question again (a hit: the cached answer is replayed at once). Time to the last token:
 * run request sent → last TEXT_MESSAGE_CONTENT received, in ms.
 */
export async function cache({ target, port, trials, tokens, rate }) {
  const client = clientFor(target, port);
  const [conn] = await openMany(client, 1);
  const miss = new Samples(trials);
  const hit = new Samples(trials);
  const expected = expectedTextBytes(tokens);
  const timed = async (props) => {
    const sent = nowMicros();
    let last = 0;
    const r = await conn.run(props, (_delta, at) => {
      last = at;
    });
    if (r.bytes !== expected)
      throw new Error(`${target}: received ${r.bytes} text bytes, expected ${expected}`);
    return (last - sent) / 1000;
  };
  for (let i = 0; i < trials; i++) {
    const props = { agent: "bench-cached", question: `Summarise the fund's week, take ${i}`, tokens, rate };
    miss.add(await timed(props));
    hit.add(await timed(props));
  }
  conn.close();
  client.destroy?.();
  return { miss: miss.summary(), hit: hit.summary() };
}
