/**
 * CopilotKit's runtime v2 serving the same synthetic agent over its SSE endpoint
 * (`POST <basePath>/agent/bench/run`), telemetry off. Lives in bench/peers so that its
 * imports resolve to the peers' own node_modules (installed by `npm run bench`).
 * @module
 */
import { createServer } from "node:http";
import { AbstractAgent } from "@ag-ui/client";
import { CopilotRuntime } from "@copilotkit/runtime/v2";
import { createCopilotNodeListener } from "@copilotkit/runtime/v2/node";
import { Observable } from "rxjs";
import { benchEvents } from "../lib/agent.mjs";
import { serveStats } from "../lib/server-child.mjs";

if (process.env.COPILOTKIT_TELEMETRY_DISABLED !== "true") {
  throw new Error("Run with COPILOTKIT_TELEMETRY_DISABLED=true (the orchestrator sets it)");
}

/** The synthetic agent as an AG-UI AbstractAgent: the same event generator, as an Observable. */
class BenchAgent extends AbstractAgent {
  run(input) {
    return new Observable((subscriber) => {
      const abort = new AbortController();
      this.benchAbort = abort;
      (async () => {
        for await (const event of benchEvents(input, input.forwardedProps, abort.signal)) {
          subscriber.next(event);
        }
        subscriber.complete();
      })().catch((err) => subscriber.error(err));
      return () => abort.abort();
    });
  }

  abortRun() {
    this.benchAbort?.abort();
  }
}

const runtime = new CopilotRuntime({ agents: { bench: new BenchAgent({ agentId: "bench" }) } });
const listener = createCopilotNodeListener({ runtime, basePath: "/api/copilotkit" });
const server = createServer(listener);
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => serveStats(server.address().port));
