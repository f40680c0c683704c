/**
 * `node dist/agent/main.js`: the OpsHub backend on PORT (default 8000).
 * @module
 */
import { dataDir } from "./paths.js";
import { startOpsHubRuntime } from "./runtime.js";

const port = Number(process.env.PORT ?? 8000);
const runtime = await startOpsHubRuntime({ dataDir: dataDir(), port, host: process.env.HOST ?? "127.0.0.1" });
console.error(
  `opshub: opshub-nav-agent on ws://127.0.0.1:${runtime.port}/copilotkit/ws (model: ${runtime.model.label}, sign-in: ${runtime.authMode}); ` +
    `check: curl http://127.0.0.1:${runtime.port}/copilotkit/health`,
);
let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.error(`opshub: ${signal}, shutting down`);
  runtime.close().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
};
process.once("SIGTERM", () => stop("SIGTERM"));
process.once("SIGINT", () => stop("SIGINT"));
