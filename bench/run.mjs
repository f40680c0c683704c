#!/usr/bin/env node
/**
 * `npm run bench`: Backchannel against CopilotKit's runtime v2 (SSE) and a bare `ws`
 * server, side by side, in one run on this machine; writes BENCHMARKS.md and
 * bench/results.json.
 *
 *   npm run bench                       full run (~8 minutes)
 *   npm run bench -- --quick            scaled down (~2 minutes); prints, writes nothing
 *   npm run bench -- --only=latency,resume --targets=backchannel,bare-ws
 *   npm run bench -- --out=/tmp/b.md    write the report elsewhere
 *   node bench/run.mjs --render         re-render BENCHMARKS.md from bench/results.json (after editing NOTES.md)
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { runLoad, startServer } from "./lib/proc.mjs";
import { renderReport } from "./lib/report.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, "").split("=");
    return [k, v ?? "true"];
  }),
);
const quick = args.quick === "true";

/** Scenario sizes: full, and quick (CI-sized smoke run). */
const PARAMS = {
  throughput: quick
    ? { clients: 20, runs: 5, tokens: 500, burst: 1 }
    : { clients: 50, runs: 20, tokens: 1000, burst: 1 },
  throughputBurst: quick
    ? { clients: 20, runs: 5, tokens: 500, burst: 8 }
    : { clients: 50, runs: 20, tokens: 1000, burst: 8 },
  // The reader is the bottleneck: 50 clients in one process parse and validate every event
  // (as @ag-ui/client does), 20 runs of 200 single-token events each (issue 17).
  readerBound: quick
    ? { clients: 20, runs: 5, tokens: 200, burst: 1, check: true }
    : { clients: 50, runs: 20, tokens: 200, burst: 1, check: true },
  readerBoundBurst: quick
    ? { clients: 20, runs: 5, tokens: 200, burst: 8, check: true }
    : { clients: 50, runs: 20, tokens: 200, burst: 8, check: true },
  // The same readers asking for a 16 ms merge window, as @backchannel/client does in a browser
  // (mergeDeltasMs); only Backchannel has it, so its ratio is to CopilotKit's readerBound figure.
  readerBoundWindow: quick
    ? { clients: 20, runs: 5, tokens: 200, burst: 1, check: true, mergeMs: 16 }
    : { clients: 50, runs: 20, tokens: 200, burst: 1, check: true, mergeMs: 16 },
  readerBoundBurstWindow: quick
    ? { clients: 20, runs: 5, tokens: 200, burst: 8, check: true, mergeMs: 16 }
    : { clients: 50, runs: 20, tokens: 200, burst: 8, check: true, mergeMs: 16 },
  latency: quick
    ? { streams: 200, rate: 20, seconds: 4, skip: 10 }
    : { streams: 1000, rate: 20, seconds: 12, skip: 20 },
  firstToken: quick ? { runs: 200, warmup: 50 } : { runs: 1000, warmup: 100 },
  idle: quick ? { connections: 1000, warm: 100 } : { connections: 10_000, warm: 200 },
  resume: quick
    ? { trials: 100, concurrency: 10, rate: 500, tokens: 200, dropAfter: 30 }
    : { trials: 500, concurrency: 10, rate: 500, tokens: 200, dropAfter: 30 },
  // A model-paced answer: 200 tokens at 50 tokens/s (~4 s), asked twice per trial.
  cache: quick ? { trials: 5, tokens: 200, rate: 50 } : { trials: 20, tokens: 200, rate: 50 },
};

/** Which targets each scenario applies to (a bare ws server has no auth and no resume). */
const APPLIES = {
  throughput: ["backchannel", "copilotkit", "bare-ws"],
  throughputBurst: ["backchannel", "copilotkit", "bare-ws"],
  readerBound: ["backchannel", "copilotkit", "bare-ws"],
  readerBoundBurst: ["backchannel", "copilotkit", "bare-ws"],
  readerBoundWindow: ["backchannel"],
  readerBoundBurstWindow: ["backchannel"],
  latency: ["backchannel", "copilotkit", "bare-ws"],
  firstToken: ["backchannel", "copilotkit", "bare-ws"],
  idle: ["backchannel", "bare-ws"],
  resume: ["backchannel", "copilotkit"],
  cache: ["backchannel"],
};

const only = args.only ? args.only.split(",") : Object.keys(PARAMS);
const targets = args.targets ? args.targets.split(",") : ["backchannel", "copilotkit", "bare-ws"];

function ensurePeers() {
  const marker = `${root}bench/peers/node_modules/@copilotkit/runtime/package.json`;
  if (existsSync(marker)) return;
  console.log("installing the peers (bench/peers) ...");
  const r = spawnSync(
    "npm",
    ["install", "--prefix", `${root}bench/peers`, "--ignore-scripts", "--no-audit", "--no-fund"],
    {
      stdio: "inherit",
      env: { ...process.env, SCARF_ANALYTICS: "false", COPILOTKIT_TELEMETRY_DISABLED: "true" },
    },
  );
  if (r.status !== 0) throw new Error("npm install --prefix bench/peers failed; see above");
}

/** Runs one scenario against one target in fresh processes; samples the server at marks. */
async function measure(scenario, target) {
  const server = await startServer(target);
  const marks = {};
  try {
    const result = await runLoad(
      scenario,
      { target, port: server.port, ...PARAMS[scenario] },
      async (name) => {
        marks[name] = await server.stats(scenario === "idle", name === "start");
      },
    );
    return { ...result, marks };
  } catch (err) {
    throw new Error(`${scenario} on ${target} failed: ${err.message}\n${server.stderr()}`);
  } finally {
    await server.stop();
  }
}

/** Client-side benchmarks other packages keep in bench/ (e.g. client-fold.mjs); their output is quoted. */
function clientBenches() {
  const files = readdirSync(`${root}bench`).filter((f) => /^client-.*\.m?js$/.test(f));
  return files.map((f) => {
    const r = spawnSync(process.execPath, [`${root}bench/${f}`, ...(quick ? ["--quick"] : [])], {
      encoding: "utf8",
      timeout: 180_000,
    });
    return { file: f, status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
  });
}

async function main() {
  if (args.render === "true") {
    const saved = JSON.parse(readFileSync(`${root}bench/results.json`, "utf8"));
    writeFileSync(`${root}BENCHMARKS.md`, renderReport({ ...saved, clients: saved.clients ?? [] }));
    console.log("re-rendered BENCHMARKS.md from bench/results.json");
    return;
  }
  if (targets.includes("copilotkit")) ensurePeers();
  const loadBefore = loadavg()[0];
  if (loadBefore > 0.5)
    console.warn(
      `warning: load average ${loadBefore.toFixed(2)}: other work on this machine will skew the figures`,
    );
  const started = Date.now();
  const results = {};
  for (const scenario of only) {
    results[scenario] = {};
    for (const target of targets) {
      if (!APPLIES[scenario].includes(target)) continue;
      process.stdout.write(`${scenario} · ${target} ... `);
      const t = Date.now();
      results[scenario][target] = await measure(scenario, target);
      console.log(`${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
  }
  const clients = only.includes("client") || !args.only ? clientBenches() : [];
  const meta = {
    results,
    params: PARAMS,
    quick,
    clients,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
    seconds: (Date.now() - started) / 1000,
    loadBefore,
    loadAfter: loadavg()[0],
    date: new Date().toISOString(),
  };
  const report = renderReport(meta);
  const out = args.out ?? (quick || args.only || args.targets ? undefined : `${root}BENCHMARKS.md`);
  if (out) {
    writeFileSync(out, report);
    if (out === `${root}BENCHMARKS.md`)
      writeFileSync(`${root}bench/results.json`, `${JSON.stringify(meta, null, 2)}\n`);
    console.log(`wrote ${out}`);
  } else console.log(`\n${report}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
