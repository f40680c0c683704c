import type { RunAgentInput } from "@ag-ui/core";
import { pino } from "pino";
import { describe, expect, it, vi } from "vitest";
import type { Agent } from "../agent.js";
import { DEFAULTS } from "../options.js";
import type { Principal } from "../principal.js";
import { AbandonedRuns } from "../runs/abandoned-runs.js";
import { RunRegistry } from "../runs/registry.js";
import { RunAccess } from "./run-access.js";
import { RunCore, type RunCoreDeps } from "./run-core.js";

const logger = pino({ level: "silent" });
const alice: Principal = { id: "apikey:alice", kind: "api_key" };
const agent: Agent = { name: "echo", description: "", run: async function* () {} };
const input = (runId: string): RunAgentInput =>
  ({ threadId: `t-${runId}`, runId, messages: [], tools: [], context: [], state: {} }) as RunAgentInput;

function core(over: Partial<RunCoreDeps>): RunCore {
  return new RunCore({
    logger,
    registry: new RunRegistry(DEFAULTS.resume),
    access: new RunAccess(() => undefined, logger),
    findAgent: (name) => (name === agent.name ? agent : undefined),
    agentNames: () => [agent.name],
    rateLimiter: () => ({ take: async () => ({ ok: true }) as never }),
    authorizeRun: async () => {},
    launch: () => {
      throw new Error("launch not stubbed");
    },
    locateRun: async () => undefined,
    joinThread: async () => [],
    threads: () => undefined,
    abandoned: new AbandonedRuns(undefined, logger),
    ...over,
  });
}

describe("RunCore.start", () => {
  it("starts nothing for a requester that went away during the last await (a draining node closed its socket)", async () => {
    let gone = false;
    let lookups = 0;
    const launch = vi.fn();
    const c = core({
      launch,
      // The second lookup is the duplicate check right before the launch; the socket closes meanwhile.
      locateRun: async () => {
        if (++lookups === 2) gone = true;
        return undefined;
      },
    });
    const outcome = await c.start(alice, { agent: "echo", input: input("r1") }, { gone: () => gone });
    expect(lookups).toBe(2);
    expect(outcome).toMatchObject({ ok: false, code: "gone" });
    expect(launch).not.toHaveBeenCalled();
  });
});
