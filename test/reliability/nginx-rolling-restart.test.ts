/**
 * A rolling restart behind a real reverse proxy: Debian's nginx (docs/deploy.md's config) in
 * front of two OpsHub backend processes (examples/opshub's runtime, run as a deployment by
 * opshub-node.mjs) sharing Redis and Postgres, and OpsHub's Next.js web app behind the same nginx.
 * 50 clients (@backchannel/client, one in five over HTTP/SSE) stream paced answers through
 * nginx, one after another, while both nodes are sent SIGTERM and started again, one after the
 * other. Each draining node closes its sockets with 1012 and ends its SSE streams with
 * `service_restart`, lets its runs finish (their events reach the other node through Redis) and
 * exits; the clients reconnect at once through nginx to the node that is up and resume. Every
 * transcript must be exact: every token once, in order, no error.
 *
 * Meanwhile a real Chromium on the OpsHub page (signed in, Portfolio Assistant sidebar) asks
 * "What's the NAV?" through the same nginx. Its answer streams (slowly paced) across both
 * restarts: the node not running it restarts first, then the one running it, which moves the
 * page's socket to the restarted node where the answer resumes. At the end the page shows the
 * answer exactly once, identical to the same question answered again afterwards (the offline
 * model is deterministic; the response cache is off).
 *
 * How long clients were without a socket is measured and written to $BENCH_OUT when set
 * (bench/rolling-restart.mjs); it is reported, never asserted.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BaseEvent } from "@ag-ui/core";
import { type BackchannelClient, createClient, type RunHandle } from "@backchannel/client";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import {
  dropSchema,
  postgresAvailable,
  redisAvailable,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  uniqueSchema,
} from "../../packages/server/test/services.js";
import { buildServer, type ServerProcess, spawnServer } from "../../packages/server/test/spawn-server.js";
import { launchChromium } from "../helpers/chromium.js";
import { freePort, type Nginx, nginxAvailable, startNginx } from "../helpers/nginx.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const opshub = join(root, "examples/opshub");
const shots = join(root, "test-results/rolling-restart");
const CLIENTS = Number(process.env.ROLLING_CLIENTS ?? 50);
/** Every SSE_EVERY-th client uses the HTTP/SSE transport (drained with `service_restart`, not 1012). */
const SSE_EVERY = 5;
const TOKENS = 60;
const DELAY_MS = 50;
const API_KEY = "rolling-test-key-0000000000";
const METRICS_TOKEN = "rolling-metrics-token-000000";
const QUESTION = "What's the NAV?";
/**
 * The offline model's pause per word for the browser's answer: slow enough that it is still
 * streaming when the second node is sent SIGTERM (its nodes' drain deadline covers the rest).
 * Restarted nodes answer at normal pace (the reference answer at the end).
 */
const SLOW_TOKEN_MS = 800;

const ready = nginxAvailable() && (await redisAvailable()) && (await postgresAvailable());
const expectedText = (n: number) => Array.from({ length: n }, (_, i) => `t${i} `).join("");

/** The environment of the web app and the backend, without whatever model keys the machine has. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const k of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "BACKCHANNEL_MODEL_PROVIDER"])
    delete e[k];
  for (const k of ["SUPABASE_URL", "NODE_OPTIONS", "NODE_ENV"]) if (!(k in extra)) delete e[k];
  return e;
}

describe.skipIf(!ready)("rolling restart behind nginx", () => {
  const schema = uniqueSchema("bc_rolling");
  const prefix = `bct:rolling:${Date.now()}:`;
  const ports: number[] = [];
  const nodes: (ServerProcess | undefined)[] = [undefined, undefined];
  let nginx: Nginx;
  let web: ChildProcess | undefined;
  let webLog = "";
  let browser: Browser;
  let dataDir: string;

  /** Starts node `i`; a start that times out on a loaded machine is tried once more. */
  async function startNode(i: number, tokenMs: number): Promise<ServerProcess> {
    try {
      return await spawnNode(i, tokenMs);
    } catch {
      return spawnNode(i, tokenMs);
    }
  }

  function spawnNode(i: number, tokenMs: number): Promise<ServerProcess> {
    return spawnServer(
      {
        ...(cleanEnv({}) as Record<string, string>),
        PORT: String(ports[i]),
        OPSHUB_DATA_DIR: dataDir,
        OPSHUB_JWT_SECRET: "rolling-restart-opshub-secret-0123456789abcdef",
        OPSHUB_TOKEN_DELAY_MS: String(tokenMs),
        RESPONSE_CACHE_TTL_MS: "0",
        AGENT_API_KEY: API_KEY,
        ALLOWED_ORIGINS: nginx.httpUrl,
        REDIS_URL: TEST_REDIS_URL,
        BC_NODE_ID: `node-${"ab"[i]}`,
        BC_PREFIX: prefix,
        DATABASE_URL: TEST_DATABASE_URL,
        BC_SCHEMA: schema,
        // Long enough for the browser's slow answer to finish on the node that runs it.
        BC_SHUTDOWN_MS: "120000",
        METRICS_TOKEN,
      },
      { script: join(root, "test/reliability/opshub-node.mjs"), startTimeoutMs: 60_000 },
    );
  }

  beforeAll(async () => {
    buildServer();
    // What `npm start` builds first: the packages, OpsHub's agent and `next build` (when stale).
    const build = spawnSync(process.execPath, ["scripts/start.mjs", "--build-only"], {
      cwd: opshub,
      env: cleanEnv({}),
      encoding: "utf8",
    });
    if (build.status !== 0) throw new Error(`OpsHub build failed:\n${build.stdout}\n${build.stderr}`);
    mkdirSync(shots, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), "bc-rolling-opshub-"));
    ports.push(await freePort(), await freePort());
    const webPort = await freePort();
    nginx = await startNginx({ upstreams: ports, sitePort: webPort, backendPaths: ["/api/portfolio"] });
    // A first, alone: it creates and seeds OpsHub's database, which B then opens.
    nodes[0] = await startNode(0, SLOW_TOKEN_MS);
    nodes[1] = await startNode(1, SLOW_TOKEN_MS);
    const next = createRequire(join(opshub, "package.json")).resolve("next/dist/bin/next");
    web = spawn(process.execPath, [next, "start", "-p", String(webPort), "-H", "127.0.0.1"], {
      cwd: opshub,
      env: cleanEnv({
        NODE_ENV: "production",
        NEXT_TELEMETRY_DISABLED: "1",
        OPSHUB_DATA_DIR: dataDir,
        OPSHUB_JWT_SECRET: "rolling-restart-opshub-secret-0123456789abcdef",
        // The web app reaches the backend, and tells browsers to open sockets, through nginx.
        AGENT_BACKEND_URL: nginx.httpUrl,
        AGENT_PUBLIC_WS_URL: nginx.wsUrl,
      }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    web.stdout!.on("data", (d) => (webLog += d));
    web.stderr!.on("data", (d) => (webLog += d));
    for (let i = 0; ; i++) {
      const up = await fetch(`${nginx.httpUrl}/signin`).then(
        (r) => r.status < 500,
        () => false,
      );
      if (up) break;
      if (web.exitCode !== null || i > 600) throw new Error(`the web app did not start:\n${webLog}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    browser = await launchChromium();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    if (web && web.exitCode === null) {
      const exited = new Promise((resolve) => web!.once("exit", resolve));
      web.kill("SIGTERM");
      await exited;
    }
    await nginx?.close();
    for (const n of nodes) await n?.kill();
    await dropSchema(schema);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  /** SIGTERM node `i` (it drains), wait for it to exit, start it again on the same port. */
  async function restart(i: number): Promise<void> {
    await nodes[i]!.stop();
    nodes[i] = await startNode(i, 15);
    // As docs/deploy.md says: the next node restarts once this one answers /ready.
    while ((await fetch(`${nodes[i]!.httpUrl}/copilotkit/ready`).catch(() => undefined))?.status !== 200)
      await new Promise((r) => setTimeout(r, 100));
  }

  /** Runs of OpsHub's agent started on node `i` (its metrics). */
  async function assistantRuns(i: number): Promise<number> {
    const res = await fetch(`${nodes[i]!.httpUrl}/copilotkit/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    const m = /backchannel_runs_started_total\{agent="opshub-nav-agent"\} (\d+)/.exec(await res.text());
    return m ? Number(m[1]) : 0;
  }

  it("50 clients and OpsHub in a browser stream through nginx while both nodes restart one after the other: every transcript exact, the page's answer shown once and whole", async () => {
    const page: Page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (err) => pageErrors.push(err.message));
    /** Texts of the assistant's messages after each question, one string per question. */
    const answers = () =>
      page.evaluate(() => {
        const out: string[] = [];
        for (const n of document.querySelectorAll<HTMLElement>(".bc-msg")) {
          if (n.classList.contains("bc-msg-user")) out.push("");
          else if (
            n.classList.contains("bc-msg-assistant") &&
            !n.classList.contains("bc-typing-row") &&
            out.length
          )
            out[out.length - 1] = [out.at(-1), n.querySelector(".bc-bubble")?.textContent ?? ""]
              .filter(Boolean)
              .join("\n");
        }
        return out;
      });
    const stopButtons = () => page.getByRole("button", { name: "Stop" }).count();
    const ask = async (text: string) => {
      const box = page.getByRole("textbox", { name: "Ask about holdings, validations, NAV…" });
      await box.fill(text);
      await box.press("Enter");
    };

    // --- the browser, on OpsHub through nginx: sign in, open the assistant ---
    await page.goto(`${nginx.httpUrl}/portfolio`);
    await page.waitForURL("**/signin", { timeout: 60_000 });
    await page.getByRole("button", { name: "Sign in as demo user" }).click();
    await page.waitForURL("**/portfolio", { timeout: 60_000 });
    await expect
      .poll(() => page.getByTestId("row-count").textContent(), { timeout: 30_000 })
      .toContain("156 holdings");
    await expect
      .poll(() => page.getByTestId("connection-status").textContent(), { timeout: 30_000 })
      .toBe("Assistant live");
    await page.getByRole("button", { name: "Open assistant" }).click();
    const browserStates: string[] = [];
    await page.exposeFunction("__state", (s: string) => browserStates.push(s));
    await page.evaluate(() => {
      let last = "";
      setInterval(() => {
        const s = document.querySelector("[data-testid=connection-status]")?.textContent ?? "";
        if (s === last) return;
        last = s;
        (window as any).__state(s);
      }, 5);
    });

    // --- 50 clients ---
    let stopping = false;
    const gaps: number[] = [];
    /** SSE clients that lost their streams to a drain and came back. */
    const sseMoves = new Set<number>();
    /** WebSocket clients that got 1012 from a drain and came back. */
    const wsMoves = new Set<number>();
    const failures: string[] = [];
    const clients: BackchannelClient[] = [];
    let runsDone = 0;
    let runsDuringRestart = 0;
    let restarting = false;

    async function clientLoop(c: number): Promise<void> {
      const sse = c % SSE_EVERY === 0;
      const client = createClient({
        url: nginx.wsUrl,
        transport: sse ? "sse" : "websocket",
        token: API_KEY,
        WebSocket: WebSocket as never,
        reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
      });
      clients.push(client);
      let lostAt: number | undefined;
      let connected = false;
      client.subscribe(() => {
        const state = client.getSnapshot().connectionState;
        if (state !== "connected" && connected && lostAt === undefined) lostAt = performance.now();
        if (state === "connected") connected = true;
        if (state === "connected" && lostAt !== undefined) {
          gaps.push(performance.now() - lostAt);
          (sse ? sseMoves : wsMoves).add(c);
          lostAt = undefined;
        }
      });
      for (let n = 0; !stopping; n++) {
        const run: RunHandle = client.startRun({
          agent: "streamer",
          input: { forwardedProps: { count: TOKENS, delayMs: DELAY_MS } },
        });
        const seen: { seq: number; event: BaseEvent }[] = [];
        run.on((event, seq) => seen.push({ seq, event }));
        const during = restarting;
        const result = await run.done;
        const text = seen
          .filter((s) => s.event.type === "TEXT_MESSAGE_CONTENT")
          .map((s) => (s.event as unknown as { delta: string }).delta)
          .join("");
        // Nothing repeated or reordered (merged SSE text deltas skip seqs; their text is compared below).
        const seqsRise = seen.every((s, i) => i === 0 || s.seq > seen[i - 1]!.seq);
        const once = ["RUN_STARTED", "TEXT_MESSAGE_START", "TEXT_MESSAGE_END", "RUN_FINISHED"].every(
          (t) => seen.filter((s) => s.event.type === t).length === 1,
        );
        if (result.status !== "finished" || text !== expectedText(TOKENS) || !seqsRise || !once) {
          const got = new Set(text.split(" ").filter(Boolean));
          const missing = expectedText(TOKENS)
            .split(" ")
            .filter((t) => t && !got.has(t));
          failures.push(
            `client ${c} (${sse ? "sse" : "ws"}) run ${n}: missing [${missing.join(",")}], ${result.status} ${result.error?.code ?? ""} ${result.error?.message ?? ""} ` +
              `text ${text.length}/${expectedText(TOKENS).length} chars, seqs rise ${seqsRise}, once ${once}`,
          );
        }
        runsDone++;
        if (during || restarting) runsDuringRestart++;
      }
    }

    const loops = Array.from({ length: CLIENTS }, (_, c) => clientLoop(c));
    // Every client is mid-answer before the first restart.
    await new Promise((r) => setTimeout(r, 1000));

    // The browser's question; its answer streams at SLOW_TOKEN_MS a word.
    await ask(QUESTION);
    await expect.poll(async () => (await answers())[0]?.length ?? 0, { timeout: 60_000 }).toBeGreaterThan(0);
    // The node running the answer restarts second, so the answer streams across both restarts.
    const onB = (await assistantRuns(1)) > 0;
    const [first, second] = onB ? [0, 1] : [1, 0];
    expect(await assistantRuns(second)).toBe(1);
    restarting = true;
    await restart(first);
    await page.screenshot({ path: join(shots, "01-streaming-after-first-restart.png") });
    // Precondition of what follows (the answer is paced to outlast a restart): still streaming.
    expect(await stopButtons()).toBe(1);
    const beforeSecond = (await answers())[0]!;
    await restart(second);
    restarting = false;
    await expect.poll(stopButtons, { timeout: 180_000 }).toBe(0);
    await page.screenshot({ path: join(shots, "02-answer-complete.png") });

    // A last round on both fresh nodes, then stop.
    await new Promise((r) => setTimeout(r, (TOKENS * DELAY_MS) / 2));
    stopping = true;
    await Promise.all(loops);
    for (const c of clients) c.close();

    // The same question again, now answered by a restarted node at normal pace: the reference.
    await ask(QUESTION);
    await expect.poll(async () => (await answers()).length, { timeout: 30_000 }).toBe(2);
    await expect.poll(stopButtons, { timeout: 60_000 }).toBe(0);
    await page.screenshot({ path: join(shots, "03-reference-answer.png") });
    const [acrossRestarts, reference] = await answers();

    const sorted = [...gaps].sort((a, b) => a - b);
    const pct = (p: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
    const report = {
      clients: CLIENTS,
      runs: runsDone,
      runsDuringRestart,
      reconnects: gaps.length,
      socketlessMs: { p50: pct(50), p99: pct(99), max: sorted.at(-1) ?? 0 },
      browserStates,
    };
    console.log(`rolling restart: ${JSON.stringify(report)}`);
    if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, JSON.stringify({ ...report, gaps }));

    expect(failures).toEqual([]);
    expect(pageErrors).toEqual([]);
    // The page's answer streamed across the restarts: partial before the second, whole after.
    expect(beforeSecond.length).toBeGreaterThan(0);
    expect(reference).toContain("per share");
    expect(acrossRestarts).toBe(reference);
    expect(acrossRestarts!.length).toBeGreaterThan(beforeSecond.length);
    // The restarts really moved the clients: every WebSocket client was on the second node when
    // it drained (those on the first moved there before), and runs were in flight meanwhile.
    expect(wsMoves.size).toBe(CLIENTS - Math.ceil(CLIENTS / SSE_EVERY));
    // SSE streams go to either node per request, so not every SSE client had one on a draining
    // node; those that did were ended with `service_restart` and came back (their runs are exact).
    expect(sseMoves.size).toBeGreaterThanOrEqual(1);
    expect(runsDuringRestart).toBeGreaterThanOrEqual(CLIENTS);
    // The page lost its socket when the node running its answer drained, and came back.
    expect(browserStates).toContain("Reconnecting…");
    expect(browserStates.at(-1)).toBe("Assistant live");
    expect(nginx.errors()).not.toMatch(/\[(emerg|crit|alert)\]/);
  }, 600_000);
});
