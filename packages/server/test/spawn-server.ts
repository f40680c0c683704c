/**
 * Starts packages/server/test/node-server.mjs as a real child process (compiled code, as in
 * production) and tells the test its URLs. `kill()` is SIGKILL: the node dies mid-whatever.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const SCRIPT = fileURLToPath(new URL("./node-server.mjs", import.meta.url));

/** Compiles the server (and protocol) to dist/, which the child processes run. */
export function buildServer(): void {
  execFileSync(`${ROOT}node_modules/.bin/tsc`, ["-b", "packages/server"], { cwd: ROOT, stdio: "pipe" });
}

/** A running server process. */
export interface ServerProcess {
  port: number;
  httpUrl: string;
  wsUrl: string;
  child: ChildProcess;
  /** Everything it printed. */
  output(): string;
  /** SIGKILL, no goodbye. */
  kill(): Promise<void>;
  /** SIGTERM: graceful shutdown. */
  stop(): Promise<void>;
}

/**
 * Spawns a server with `env` and waits until it listens. `script` replaces node-server.mjs with
 * another entry point that prints the same `{"listening":<port>}` line.
 */
export function spawnServer(
  env: Record<string, string>,
  opts: { script?: string; startTimeoutMs?: number } = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [opts.script ?? SCRIPT], {
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start: ${out}`)),
      opts.startTimeoutMs ?? 20_000,
    );
    child.stderr!.on("data", (d) => {
      out += d;
    });
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /\{"listening":(\d+)\}/.exec(out);
      if (m) {
        clearTimeout(timer);
        const port = Number(m[1]);
        resolve({
          port,
          httpUrl: `http://127.0.0.1:${port}`,
          wsUrl: `ws://127.0.0.1:${port}/copilotkit/ws`,
          child,
          output: () => out,
          async kill() {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
            await exited;
          },
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
            await exited;
          },
        });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${out}`));
    });
  });
}
