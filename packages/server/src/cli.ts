/**
 * `backchannel` CLI: `backchannel serve ./agents.mjs [--port 8000]`.
 * @module
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { Agent } from "./agent.js";
import { sdkOptionsFromEnv } from "./config-from-env.js";
import { BackchannelServerError } from "./errors.js";
import { CopilotKitSDK } from "./sdk.js";

const HELP = `Usage: backchannel serve <module> [options]

Serves the agents exported by <module> (default export: an array of agents, or a CopilotKitSDK)
at <base-path>/ws (WebSocket) and <base-path>/health.

Options:
  -p, --port <n>         Port to listen on (env PORT)                   [default: 8000]
  -H, --host <addr>      Address to bind (env HOST)                      [default: 127.0.0.1]
      --base-path <p>    Base path of all routes (env BACKCHANNEL_BASE_PATH) [default: /copilotkit]
      --allow-anonymous  Accept connections without credentials (local development only)
  -h, --help             Show this help
  -v, --version          Show the version

Environment: AGENT_API_KEY, JWT_SECRET, JWKS_URL, JWT_ISSUER, JWT_AUDIENCE, ALLOWED_ORIGINS,
DATABASE_URL (Postgres history), BACKCHANNEL_DATA_DIR (SQLite history folder), REDIS_URL
(scale-out), BACKCHANNEL_NODE_ID, BACKCHANNEL_PUBLIC_URL, BACKCHANNEL_TRUST_PROXY (proxy hops or
addresses), METRICS_TOKEN (bearer for <base-path>/metrics), METRICS_PORT/METRICS_HOST (separate
metrics listener), LOG_LEVEL. See the @backchannel/server README and docs/deploy.md.

On SIGTERM the server drains: it stops accepting, closes sockets with 1012 (clients reconnect at
once to another node), and lets running runs finish within the shutdown deadline.`;

/** Loads the user's module and returns an SDK for it. */
export async function loadSdk(
  modulePath: string,
  env: NodeJS.ProcessEnv,
  flags: { allowAnonymous?: boolean; basePath?: string },
): Promise<CopilotKitSDK> {
  const url = pathToFileURL(resolve(modulePath)).href;
  let mod: { default?: unknown };
  try {
    mod = await import(url);
  } catch (err) {
    throw new BackchannelServerError(
      "module_load_failed",
      `Could not load ${modulePath}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const exported = mod.default;
  if (exported instanceof CopilotKitSDK) return exported;
  if (Array.isArray(exported))
    return new CopilotKitSDK({ agents: exported as Agent[], ...sdkOptionsFromEnv(env, flags) });
  throw new BackchannelServerError(
    "bad_module",
    `${modulePath} must default-export an array of agents (export default [myAgent]) or a CopilotKitSDK`,
  );
}

/** Runs the CLI with `argv` (without node and script). Resolves to the exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    console.log(pkg.version);
    return 0;
  }
  if (values.help || positionals[0] !== "serve" || !positionals[1]) {
    console.log(HELP);
    return values.help ? 0 : 2;
  }
  const port = Number(values.port ?? env.PORT ?? 8000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`Invalid port '${values.port ?? env.PORT}'; use a number between 0 and 65535`);
    return 2;
  }
  let sdk: CopilotKitSDK;
  try {
    sdk = await loadSdk(positionals[1], env, {
      allowAnonymous: values["allow-anonymous"],
      ...(values["base-path"] ? { basePath: values["base-path"] } : {}),
    });
  } catch (err) {
    console.error(`backchannel: ${(err as Error).message}`);
    return 1;
  }
  const server = await sdk.listen({ port, host: values.host ?? env.HOST ?? "127.0.0.1" });
  console.error(
    `backchannel: serving ${sdk.agents.map((a) => a.name).join(", ")} at ${server.wsUrl} (health: ${server.httpUrl}${sdk.basePath}/health)`,
  );
  return new Promise<number>((resolveExit) => {
    const stop = (signal: string) => {
      console.error(`backchannel: ${signal} received, shutting down`);
      sdk.close().then(
        () => resolveExit(0),
        (err) => {
          console.error(err);
          resolveExit(1);
        },
      );
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: "string", short: "p" },
      host: { type: "string", short: "H" },
      "base-path": { type: "string" },
      "allow-anonymous": { type: "boolean" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
  });
}
