/**
 * Child processes of the benchmark: the server under test and the load generator, each in
 * its own process (the machine has 2 cores: one for each).
 * @module
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

/** Where each target's server lives. */
export const SERVER_FILES = {
  backchannel: here("../servers/backchannel.mjs"),
  "bare-ws": here("../servers/bare-ws.mjs"),
  copilotkit: here("../peers/copilotkit-server.mjs"),
};

function waitFor(child, type, what) {
  return new Promise((resolve, reject) => {
    const onMsg = (m) => {
      if (m?.type === type) {
        child.off("message", onMsg);
        resolve(m);
      }
    };
    child.on("message", onMsg);
    child.once("exit", (code) => reject(new Error(`${what} exited (${code}) before ${type}`)));
  });
}

/** Starts the server of `target`; resolves with its port, pid, a stats() sampler and stop(). */
export async function startServer(target) {
  let stderr = "";
  const child = fork(SERVER_FILES[target], [], {
    // BENCH_SERVER_FLAGS adds node flags to the server process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    execArgv: ["--expose-gc", ...(process.env.BENCH_SERVER_FLAGS?.split(" ").filter(Boolean) ?? [])],
    env: { ...process.env, COPILOTKIT_TELEMETRY_DISABLED: "true", DO_NOT_TRACK: "1", LOG_LEVEL: "warn" },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  child.stderr.on("data", (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const { port } = await waitFor(child, "listening", `${target} server`).catch((err) => {
    throw new Error(`${err.message}\n${stderr}`);
  });
  let seq = 0;
  return {
    port,
    pid: child.pid,
    stderr: () => stderr,
    /** CPU µs and memory of the server process (after a full GC when `gc`). */
    stats(gc = false, reset = false) {
      const id = ++seq;
      const p = new Promise((resolve) => {
        const onMsg = (m) => {
          if (m?.type === "stats" && m.id === id) {
            child.off("message", onMsg);
            resolve(m);
          }
        };
        child.on("message", onMsg);
      });
      child.send({ cmd: "stats", id, gc, reset });
      return p;
    },
    stop() {
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 3000).unref();
      return new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", () => r())));
    },
  };
}

/**
 * Runs `scenario` in a fresh load-generator process. `onMark(name)` is awaited at each
 * mark the scenario sets (the server is sampled there).
 */
export function runLoad(scenario, params, onMark = async () => {}) {
  const child = fork(here("../load/loadgen.mjs"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return new Promise((resolve, reject) => {
    child.on("message", async (m) => {
      if (m.type === "mark") {
        await onMark(m.name);
        child.send({ type: "ack", name: m.name });
      } else if (m.type === "result") {
        resolve(m.result);
        child.kill();
      } else if (m.type === "failed") {
        reject(new Error(m.error));
        child.kill();
      }
    });
    child.once("exit", (code) => reject(new Error(`load generator exited (${code})`)));
    child.send({ type: "start", scenario, params });
  });
}
