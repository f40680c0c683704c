/**
 * The Node quick start in packages/client/README.md, run verbatim with `node` against a real
 * server (it imports the built package, like a user would).
 */
import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CopilotKitSDK, createLogger } from "@backchannel/server";
import { afterEach, expect, it } from "vitest";

const clientDir = fileURLToPath(new URL("../packages/client/", import.meta.url));
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const echo = {
  name: "echo",
  description: "Repeats the last user message",
  async *run(input: any) {
    const text = String(input.messages.at(-1)?.content ?? "");
    yield { type: "TEXT_MESSAGE_START", messageId: `m-${input.runId}`, role: "assistant" };
    yield { type: "TEXT_MESSAGE_CONTENT", messageId: `m-${input.runId}`, delta: text };
    yield { type: "TEXT_MESSAGE_END", messageId: `m-${input.runId}` };
  },
};

it("the README's Node quick start runs as written", async () => {
  const readme = readFileSync(`${clientDir}README.md`, "utf8");
  const quickStart = readme.slice(readme.indexOf("## Quick start (Node)"));
  const code = /```js\n([\s\S]*?)```/.exec(quickStart)?.[1];
  expect(code).toContain("createClient");
  // Inside the package so that `@backchannel/client` and `ws` resolve as for an installed app.
  const file = `${clientDir}test/.readme-example.mjs`;
  writeFileSync(file, code!);
  cleanups.push(() => rmSync(file, { force: true }));

  const sdk = new CopilotKitSDK({
    agents: [echo],
    auth: { apiKeys: { readme: "readme-key" } },
    logger: createLogger({ level: "silent" }),
  });
  const srv = await sdk.listen({ port: 0 });
  cleanups.push(() => srv.close());

  const child = spawn(process.execPath, [file], {
    env: { ...process.env, BACKCHANNEL_URL: srv.wsUrl, AGENT_API_KEY: "readme-key" },
  });
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    out += d;
  });
  const code_ = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  expect(out).toContain("Hello over one socket");
  expect(out).toContain("run finished");
  expect(out).toContain("user: And again, as a thread");
  expect(out).toContain("assistant: And again, as a thread");
  expect(code_).toBe(0);
});
