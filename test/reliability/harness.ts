/**
 * Shared set-up of the reliability and security suites: a real runtime on a loopback port
 * with a logger whose lines the tests can read, and a seeded PRNG so that a failing run of
 * a randomised suite can be replayed from the seed it prints.
 */
import { Writable } from "node:stream";
import { type Agent, CopilotKitSDK, type ListeningServer, type SDKOptions } from "@backchannel/server";
import { pino } from "pino";

export const API_KEY = "reliability-api-key-0123456789";
export const AUTH = { headers: { authorization: `Bearer ${API_KEY}` } };

/** A runtime under test, its listening server and every log line it wrote. */
export interface Harness {
  sdk: CopilotKitSDK;
  srv: ListeningServer;
  /** Raw JSON log lines, in order. */
  logs: string[];
  close(): Promise<void>;
}

/** Starts a runtime on 127.0.0.1 (ephemeral port) with `agents`; logs are kept in memory at debug level. */
export async function startHarness(
  agents: Agent[],
  options: Omit<Partial<SDKOptions>, "agents" | "logger"> = {},
): Promise<Harness> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split("\n")) if (line) logs.push(line);
      done();
    },
  });
  const sdk = new CopilotKitSDK({
    agents,
    auth: { apiKeys: { tests: API_KEY } },
    store: false,
    ...options,
    logger: pino({ level: "debug" }, sink),
  });
  const srv = await sdk.listen({ port: 0 });
  return { sdk, srv, logs, close: () => srv.close() };
}

/** mulberry32: a small seeded PRNG, so randomised suites can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of this test run: `RELIABILITY_SEED` if set, else a fresh one (printed on failure by callers). */
export function runSeed(): number {
  const env = process.env.RELIABILITY_SEED;
  return env ? Number(env) : Math.floor(Math.random() * 2 ** 31);
}

/** Resolves after `ms`. */
export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `cond` every 10 ms until it holds; throws with `what` after `timeoutMs` (a liveness bound, not a timing assertion). */
export async function eventually(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}
