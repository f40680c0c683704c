import { createServer } from "node:http";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { testAgents } from "../../../../test/helpers/agents.js";
import { connectPeer, startRun } from "../../../../test/helpers/ws-peer.js";
import { CopilotKitSDK } from "../index.js";

const KEY = "ready-test-key-00000";

describe("GET /ready", () => {
  it("answers 200 while serving, 503 naming a failing dependency, and 503 draining from the start of a shutdown", async () => {
    let dbUp = true;
    const sdk = new CopilotKitSDK({
      agents: testAgents as never,
      auth: { apiKeys: KEY },
      logger: pino({ level: "silent" }),
      store: false,
      shutdownDeadlineMs: 300,
      healthChecks: [
        {
          name: "database",
          check: async () => {
            if (!dbUp) throw new Error("connection refused");
          },
        },
      ],
    });
    const srv = await sdk.listen({ port: 0 });
    // The app's own server mounting the runtime's routes stays up while the runtime drains.
    const app = createServer(sdk.nodeHandler());
    await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
    const appUrl = `http://127.0.0.1:${(app.address() as { port: number }).port}/copilotkit/ready`;
    try {
      const ok = await fetch(`${srv.httpUrl}/copilotkit/ready`);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ status: "ready" });
      dbUp = false;
      const down = await fetch(appUrl);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ status: "not_ready", failing: ["database"] });
      dbUp = true;

      const peer = await connectPeer(srv.wsUrl, { headers: { authorization: `Bearer ${KEY}` } });
      const stuck = startRun(peer, "hanger");
      await peer.next((f) => f.runId === stuck && f.event?.type === "STEP_STARTED");
      const closing = sdk.close();
      const draining = await fetch(appUrl);
      expect(draining.status).toBe(503);
      expect(await draining.json()).toEqual({ status: "draining" });
      await closing;
    } finally {
      app.close();
    }
  });
});
