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
  const env = { PORT: String(20_000 + Math.floor(Math.random() * 20_000)), AGENT_API_KEY: "quickstart-key" };
  const server = run("server.mjs", env);
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${env.PORT}/copilotkit/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const client = run("client.mjs", env);
  expect(await client.exited).toBe(0);
  expect(client.output()).toContain("HELLO FROM THE QUICK START");
  server.child.kill("SIGTERM");
});
