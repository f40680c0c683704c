import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { connectPeer, startRun } from "../../../test/helpers/ws-peer.js";

const BIN = fileURLToPath(new URL("../bin/backchannel.js", import.meta.url));
const DEMO = fileURLToPath(new URL("../demo/agents.mjs", import.meta.url));
let child: ChildProcess | undefined;

afterEach(() => {
  child?.kill("SIGKILL");
  child = undefined;
});

function serve(
  args: string[],
  env: Record<string, string>,
): Promise<{ wsUrl: string; stderr: () => string }> {
  child = spawn(process.execPath, [BIN, "serve", ...args], {
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (d) => {
    err += d;
  });
  child.stdout!.on("data", (d) => {
    err += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`CLI did not start: ${err}`)), 10_000);
    const check = () => {
      const m = /at (ws:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ wsUrl: m[1]!, stderr: () => err });
      }
    };
    child!.stderr!.on("data", check);
    child!.once("exit", (code) => reject(new Error(`CLI exited with ${code}: ${err}`)));
  });
}

describe("backchannel serve", () => {
  it("serves a module's agents with AGENT_API_KEY, and shuts down gracefully on SIGTERM", async () => {
    const { wsUrl, stderr } = await serve([DEMO, "--port", "0"], { AGENT_API_KEY: "cli-secret-key-123" });
    const peer = await connectPeer(wsUrl, { headers: { authorization: "Bearer cli-secret-key-123" } });
    expect(peer.frames[0].agents[0].name).toBe("demo");
    const runId = startRun(peer, "demo");
    await peer.next(
      (f) => f.type === "event" && f.runId === runId && f.event.type === "TEXT_MESSAGE_CONTENT",
    );
    const exited = new Promise<number | null>((r) => child!.once("exit", (code) => r(code)));
    child!.kill("SIGTERM");
    expect((await peer.closed).code).toBe(1012);
    expect(await exited).toBe(0);
    expect(stderr()).not.toContain("cli-secret-key-123");
  });

  it("refuses to start without any authentication configured", async () => {
    await expect(serve([DEMO, "--port", "0"], { AGENT_API_KEY: "" })).rejects.toThrow(
      /No authentication configured/,
    );
  });

  it("explains a module that exports no agents", async () => {
    await expect(serve([BIN, "--port", "0"], { AGENT_API_KEY: "k" })).rejects.toThrow(
      /default-export an array of agents|Could not load/,
    );
  });
});
