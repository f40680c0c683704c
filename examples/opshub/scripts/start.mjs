#!/usr/bin/env node
// `npm start` (from the repository root or here): builds what is missing or stale, starts the
// OpsHub agent backend (PORT, default 8000) and the web app (WEB_PORT, default 3000), and
// prints the URL. `--build-only` stops after building. Ctrl-C stops both.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureSecret } from "./secret.mjs";

const here = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repo = resolve(here, "../..");
const require = createRequire(join(here, "package.json"));
const buildOnly = process.argv.includes("--build-only");
const port = Number(process.env.PORT ?? 8000);
const webPort = Number(process.env.WEB_PORT ?? 3000);
for (const [name, value] of [
  ["PORT", port],
  ["WEB_PORT", webPort],
]) {
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    fail(`${name} must be a port number (1-65535), got "${process.env[name]}"`);
}
if (port === webPort)
  fail(`PORT and WEB_PORT are both ${port}; give the web app another port (WEB_PORT=3000)`);

function fail(message) {
  console.error(`opshub: ${message}`);
  process.exit(1);
}

function log(message) {
  console.log(`\x1b[36mopshub\x1b[0m ${message}`);
}

function run(label, cmd, args, cwd) {
  log(label);
  const r = spawnSync(cmd, args, {
    cwd,
    stdio: "inherit",
    // Whatever NODE_ENV the caller has (a test runner sets "test"), builds are production builds.
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
  });
  if (r.status !== 0) fail(`${label} failed (exit ${r.status}); see the output above`);
}

/** Newest modification time under `paths` (files or folders), skipping build output. */
function newest(paths) {
  let max = 0;
  const walk = (p) => {
    if (!existsSync(p)) return;
    const s = statSync(p);
    if (s.isDirectory()) {
      for (const e of readdirSync(p))
        if (!["node_modules", ".next", "dist", ".data"].includes(e)) walk(join(p, e));
    } else max = Math.max(max, s.mtimeMs);
  };
  for (const p of paths) walk(p);
  return max;
}

const tsc = require.resolve("typescript/bin/tsc");
const packages = ["protocol", "server", "client", "langgraph", "react", "next"].map((p) => `packages/${p}`);
run("building the Backchannel packages (tsc -b)…", process.execPath, [tsc, "-b", ...packages], repo);

const agentOut = join(here, "dist/agent/main.js");
if (!existsSync(agentOut) || newest([join(here, "agent")]) > statSync(agentOut).mtimeMs) {
  run("building the agent backend…", process.execPath, [tsc, "-p", "agent/tsconfig.json"], here);
}

const buildId = join(here, ".next/BUILD_ID");
const webSources = ["app", "components", "lib", "agent", "next.config.ts", "package.json"].map((p) =>
  join(here, p),
);
const webDeps = ["react", "next", "client", "protocol"].map((p) => join(repo, "packages", p, "src"));
const webStale = () =>
  !existsSync(buildId) || newest([...webSources, ...webDeps]) > statSync(buildId).mtimeMs;
// Another `next build` of this folder (a second `npm start` or test run) holds .next/lock: wait
// for it, then build only if its result is still stale.
for (let waited = 0; webStale(); waited++) {
  const label = "building the web app (next build, about a minute the first time)…";
  log(label);
  const r = spawnSync(process.execPath, [require.resolve("next/dist/bin/next"), "build"], {
    cwd: here,
    encoding: "utf8",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
  });
  process.stdout.write(r.stdout ?? "");
  process.stderr.write(r.stderr ?? "");
  if (r.status === 0) break;
  const busy = `${r.stdout}${r.stderr}`.includes("Another next build process is already running");
  if (!busy || waited >= 90) fail(`${label} failed (exit ${r.status}); see the output above`);
  log("another build of the web app is running; waiting for it…");
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
}
if (buildOnly) process.exit(0);

const dataDir = process.env.OPSHUB_DATA_DIR || join(here, ".data");
ensureSecret(dataDir);
const origins = [`http://localhost:${webPort}`, `http://127.0.0.1:${webPort}`];
const env = {
  ...process.env,
  OPSHUB_DATA_DIR: dataDir,
  NEXT_TELEMETRY_DISABLED: "1",
  LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
  ALLOWED_ORIGINS: process.env.ALLOWED_ORIGINS ?? origins.join(","),
};
const children = [];

function start(name, args, extraEnv) {
  const child = spawn(process.execPath, args, {
    cwd: here,
    env: { ...env, ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const prefix = `\x1b[2m[${name}]\x1b[0m `;
  for (const stream of [child.stdout, child.stderr]) {
    let buf = "";
    stream.on("data", (d) => {
      buf += d;
      const lines = buf.split("\n");
      buf = lines.pop();
      for (const line of lines) if (line.trim()) process.stdout.write(`${prefix}${line}\n`);
    });
  }
  child.on("exit", (code, signal) => {
    if (stopping) return;
    console.error(`opshub: the ${name} exited (${signal ?? `code ${code}`}); stopping`);
    stop(1);
  });
  children.push(child);
  return child;
}

async function waitFor(url, what, ms = 60_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  console.error(`opshub: the ${what} did not come up at ${url} within ${ms / 1000}s`);
  stop(1);
}

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  setTimeout(() => process.exit(code), 3000).unref();
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null))).then(
    () => process.exit(code),
  );
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

start("agent", [join(here, "dist/agent/main.js")], { PORT: String(port) });
await waitFor(`http://127.0.0.1:${port}/copilotkit/health`, "agent backend");
start("web", [require.resolve("next/dist/bin/next"), "start", "-p", String(webPort)], {
  AGENT_PORT: String(port),
  PORT: String(webPort),
  NODE_ENV: "production",
});
await waitFor(`http://127.0.0.1:${webPort}/signin`, "web app");
log(
  `\x1b[1mOpsHub is running: http://localhost:${webPort}\x1b[0m  (agent backend: http://127.0.0.1:${port}/copilotkit/health)`,
);
log(
  'Sign in with one click as the demo user, open the Portfolio Assistant and ask "Run validations". Ctrl-C stops.',
);
