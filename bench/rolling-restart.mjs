// Rolling restart behind nginx: how long clients are without a socket while both nodes of a
// two-node cluster restart one after the other. Runs the end-to-end test
// (test/reliability/nginx-rolling-restart.test.ts: Debian nginx, two OpsHub backend processes,
// Redis, Postgres, 50 clients streaming paced answers (one in five over SSE), OpsHub's web app
// in Chromium) and reads the gaps it measured: from the moment a client's connection closed
// (1012, or SSE `service_restart`) to its next `ready`. Needs nginx, Redis, Postgres and
// Chromium, as the test does; the first run also builds OpsHub's web app (next build).
//   node bench/rolling-restart.mjs [--runs 3]
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const runs = Number(process.argv[process.argv.indexOf("--runs") + 1] || 1) || 1;
const all = [];
for (let r = 0; r < runs; r++) {
  const out = join(mkdtempSync(join(tmpdir(), "bc-rolling-")), "gaps.json");
  execFileSync(
    join(root, "node_modules/.bin/vitest"),
    ["run", "--project", "serial", "test/reliability/nginx-rolling-restart.test.ts"],
    { cwd: root, env: { ...process.env, BENCH_OUT: out }, stdio: ["ignore", "ignore", "inherit"] },
  );
  const result = JSON.parse(readFileSync(out, "utf8"));
  all.push(...result.gaps);
  console.log(
    `run ${r + 1}: ${result.reconnects} reconnects, ${result.runs} runs (${result.runsDuringRestart} in flight across a restart), ` +
      `without a socket p50 ${result.socketlessMs.p50.toFixed(0)} ms, p99 ${result.socketlessMs.p99.toFixed(0)} ms`,
  );
}
const sorted = all.sort((a, b) => a - b);
const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
console.log(
  `all runs: ${sorted.length} reconnects, without a socket p50 ${pct(50).toFixed(0)} ms, p99 ${pct(99).toFixed(0)} ms, max ${sorted.at(-1).toFixed(0)} ms`,
);
