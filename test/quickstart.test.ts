import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, expect, it } from "vitest";

const dir = fileURLToPath(new URL("../examples/quickstart/", import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
});

function run(file: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [file], {
    cwd: dir,
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
  });
  children.push(child);
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    out += d;
  });
  return { child, output: () => out, exited: new Promise<number | null>((r) => child.once("exit", r)) };
}

it("the README quick start works as written: server.mjs + client.mjs stream the reply", async () => {
  // Port 0: the OS picks a free port, so a busy CI machine cannot hand us someone else's.
  const server = run("server.mjs", { PORT: "0", AGENT_API_KEY: "quickstart-key" });
  const port = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(server.output());
      if (m) {
        clearInterval(timer);
        resolve(m[1]!);
      }
    }, 50);
    server.exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`server.mjs exited with ${code}: ${server.output()}`));
    });
  });
  const client = run("client.mjs", { PORT: port, AGENT_API_KEY: "quickstart-key" });
  expect(await client.exited).toBe(0);
  expect(client.output()).toContain("HELLO FROM THE QUICK START");
  server.child.kill("SIGTERM");
}, 60_000);
