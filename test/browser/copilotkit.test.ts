/**
 * CopilotKit's own frontend (`@copilotkit/react-core` and `@copilotkit/react-ui` 1.74.0 from the
 * registry, unchanged) against Backchannel's CopilotKit runtime binding, in Chromium: the seed's
 * `YourPage` through @backchannel/next on the page's origin, and a page talking to the runtime
 * directly (CORS) with a `useCopilotAction` frontend tool, shared state, Stop (cancels on the
 * server) and a reload while a run streams (CopilotKit's `connect` re-attaches through resume).
 * Screenshots go to test-results/copilotkit/.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createCopilotRouteHandlers } from "@backchannel/next";
import type { Agent } from "@backchannel/server";
import { CopilotKitSDK, createLogger } from "@backchannel/server";
import { build } from "esbuild";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../helpers/chromium.js";
import { type NextLikeServer, serveRouteHandlers } from "../helpers/next-server.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const shots = join(root, "test-results/copilotkit");
const KEY = "copilotkit-browser-key-0123";

/** Ticks of a slow answer: long enough (16 s) for a reload of the 18 MB page under CI load. */
const TICKS = 80;

/** Every run the agent started, by runId: its AbortSignal and how far it streamed. */
const started = new Map<string, { signal: AbortSignal; ticks: number; question: string }>();

const lastUser = (input: { messages: { role: string; content?: unknown }[] }) =>
  String(input.messages.findLast((m) => m.role === "user")?.content ?? "");

/**
 * "highlight ..." calls the page's frontend tool and answers with its result on the follow-up
 * run; "slow ..." streams TICKS ticks (Stop and reload happen meanwhile); anything else greets and
 * sets shared state.
 */
const portfolio: Agent = {
  name: "portfolio",
  description: "Portfolio assistant",
  async *run(input, ctx) {
    const record = { signal: ctx.signal, ticks: 0, question: lastUser(input) };
    started.set(input.runId, record);
    const messageId = `a-${input.runId}`;
    const last = input.messages.at(-1);
    if (last?.role === "tool") {
      yield { type: "TEXT_MESSAGE_START", messageId, role: "assistant" };
      yield { type: "TEXT_MESSAGE_CONTENT", messageId, delta: `Done: ${String(last.content)}.` };
      yield { type: "TEXT_MESSAGE_END", messageId };
      return;
    }
    if (/highlight/i.test(record.question) && input.tools?.some((t) => t.name === "highlightFund")) {
      const toolCallId = `call-${input.runId}`;
      yield {
        type: "TOOL_CALL_START",
        toolCallId,
        toolCallName: "highlightFund",
        parentMessageId: messageId,
      };
      yield { type: "TOOL_CALL_ARGS", toolCallId, delta: '{"fund":"Beta Income"}' };
      yield { type: "TOOL_CALL_END", toolCallId };
      return;
    }
    if (/slow/i.test(record.question)) {
      yield { type: "TEXT_MESSAGE_START", messageId, role: "assistant" };
      for (let i = 1; i <= TICKS; i++) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 200);
          ctx.signal.addEventListener(
            "abort",
            () => {
              clearTimeout(t);
              resolve();
            },
            { once: true },
          );
        });
        if (ctx.signal.aborted) return;
        record.ticks = i;
        yield { type: "TEXT_MESSAGE_CONTENT", messageId, delta: `tick ${i}${i === TICKS ? " end." : ", "}` };
      }
      yield { type: "TEXT_MESSAGE_END", messageId };
      return;
    }
    yield { type: "STATE_SNAPSHOT", snapshot: { greeted: true } };
    yield { type: "TEXT_MESSAGE_START", messageId, role: "assistant" };
    yield { type: "TEXT_MESSAGE_CONTENT", messageId, delta: "Hello from Backchannel!" };
    yield { type: "TEXT_MESSAGE_END", messageId };
  },
};

const HTML = (query: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CopilotKit on Backchannel</title>
<link rel="stylesheet" href="/app.css"></head>
<body><div id="root"></div><script type="module" src="/app.js${query}"></script></body></html>`;

let backend: Awaited<ReturnType<CopilotKitSDK["listen"]>>;
let site: NextLikeServer;
let browser: Browser;
let runtime = "";

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  const bundle = await build({
    entryPoints: [join(root, "test/browser/copilotkit-app.tsx")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    jsx: "automatic",
    define: { "process.env.NODE_ENV": '"production"', global: "globalThis" },
    loader: { ".woff": "empty", ".woff2": "empty", ".ttf": "empty" },
    minify: true,
    write: false,
    outdir: "/out",
    logLevel: "silent",
  });
  const files = new Map(bundle.outputFiles.map((f) => [f.path.replace(/^\/out/, ""), f.text]));
  const js = files.get("/copilotkit-app.js");
  const css = files.get("/copilotkit-app.css") ?? "";
  if (!js) throw new Error(`esbuild produced ${[...files.keys()].join(", ")}`);

  // The page's origin is also where @backchannel/next serves /api/copilotkit (the seed's route).
  let route: ReturnType<typeof createCopilotRouteHandlers> | undefined;
  site = await serveRouteHandlers({
    GET: async (request) => {
      const url = new URL(request.url);
      if (url.pathname === "/app.js")
        return new Response(js, { headers: { "content-type": "text/javascript" } });
      if (url.pathname === "/app.css") return new Response(css, { headers: { "content-type": "text/css" } });
      if (url.pathname.startsWith("/api/copilotkit/")) return route!.GET(request);
      return new Response(HTML(url.search), { headers: { "content-type": "text/html" } });
    },
    POST: (request) => route!.POST(request),
  });
  const sdk = new CopilotKitSDK({
    agents: [portfolio],
    auth: { apiKeys: KEY },
    // Direct use from the page's origin needs CORS.
    allowedOrigins: [site.origin],
    logger: createLogger({ level: "silent" }),
    store: false,
    // A reload of this page (18 MB of CopilotKit) can take a while under load; resume must win.
    abandonedRuns: { graceMs: 60_000 },
  });
  backend = await sdk.listen({ port: 0 });
  runtime = `${backend.httpUrl}/copilotkit`;
  route = createCopilotRouteHandlers({
    backendUrl: runtime,
    // The signed-in user of the app, as the backend's credentials.
    getAuthHeaders: async () => ({ authorization: `Bearer ${KEY}` }),
  });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await backend?.close();
});

/** A page whose console errors and failed runtime calls are printed (what CopilotKit reports). */
async function newPage(): Promise<Page> {
  const page = await browser.newPage();
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().includes("check for updates")) console.log(`[page] ${m.text()}`);
  });
  return page;
}

async function ask(page: Page, text: string): Promise<void> {
  const input = page.locator("textarea").first();
  await input.fill(text);
  await input.press("Enter");
}

function runFor(question: RegExp): { id: string; signal: AbortSignal; ticks: number } | undefined {
  for (const [id, r] of started) if (question.test(r.question)) return { id, ...r };
  return undefined;
}

describe("CopilotKit frontends on Backchannel", () => {
  it("the seed's YourPage through @backchannel/next: popup, ask, answer", async () => {
    const page = await newPage();
    const failed: string[] = [];
    // (CopilotKit also calls its cloud's check-for-updates, which this network refuses.)
    page.on("requestfailed", (r) => {
      // CopilotKit aborts its own superseded connect requests on re-render.
      if (r.url().startsWith(site.origin) && r.failure()?.errorText !== "net::ERR_ABORTED")
        failed.push(r.url());
    });
    await page.goto(`${site.origin}/?page=seed`);
    await page.getByRole("button", { name: "Open Chat" }).click();
    await page.getByText("Hi! How can I help with your portfolio today?").waitFor();
    await ask(page, "Hi there");
    await page.getByText("Hello from Backchannel!").waitFor();
    await page.screenshot({ path: join(shots, "seed-popup.png") });
    expect(failed, failed.join(" ")).toEqual([]);
    await page.close();
  }, 120_000);

  it("direct (CORS): a useCopilotAction frontend tool, its follow-up run, and shared state", async () => {
    const page = await newPage();
    await page.goto(`${site.origin}/?page=direct&runtime=${encodeURIComponent(runtime)}&key=${KEY}`);
    await ask(page, "Hi");
    await page.getByText("Hello from Backchannel!").waitFor();
    await page.getByTestId("shared-state").getByText("greeted", { exact: true }).waitFor();
    await ask(page, "Please highlight the bond fund");
    await page.locator('tr[data-highlighted="yes"]', { hasText: "Beta Income" }).waitFor();
    await page.getByText("Done: highlighted Beta Income.").waitFor();
    await page.screenshot({ path: join(shots, "direct-frontend-tool.png") });
    await page.close();
  }, 120_000);

  it("Stop cancels the run on the server", async () => {
    const page = await newPage();
    await page.goto(`${site.origin}/?page=direct&runtime=${encodeURIComponent(runtime)}&key=${KEY}`);
    await ask(page, "slow answer, then stop");
    await page.getByText("tick 3,", { exact: false }).waitFor();
    await page.getByRole("button", { name: "Stop" }).click();
    const run = runFor(/then stop/)!;
    await new Promise<void>((resolve) =>
      run.signal.aborted ? resolve() : run.signal.addEventListener("abort", () => resolve()),
    );
    expect(runFor(/then stop/)!.ticks).toBeLessThan(TICKS);
    await page.screenshot({ path: join(shots, "stopped.png") });
    await page.close();
  }, 120_000);

  it("a reload while a run streams re-attaches to it (connect through resume) and sees it finish", async () => {
    const page = await newPage();
    await page.goto(`${site.origin}/?page=direct&runtime=${encodeURIComponent(runtime)}&key=${KEY}`);
    await ask(page, "slow answer across a reload");
    await page.getByText("tick 3,", { exact: false }).waitFor();
    const runsBefore = started.size;
    await page.reload();
    // The question (from the run's conversation) and the answer, continued live to its end.
    await page.getByText("slow answer across a reload").waitFor();
    await page.getByText(`tick ${TICKS} end.`, { exact: false }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(shots, "after-reload.png") });
    const run = runFor(/across a reload/)!;
    expect(run.signal.aborted).toBe(false);
    expect(run.ticks).toBe(TICKS);
    // Re-attached, not re-run: no run started since the reload.
    expect(started.size).toBe(runsBefore);
    await page.close();
  }, 120_000);
});
