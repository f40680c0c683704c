/**
 * @backchannel/react in real Chromium: a small page (built by esbuild from the package's
 * sources) asks a question, watches the answer stream, loses its socket mid-answer (the TCP
 * proxy in front of the server is cut and refuses new connections), shows the reconnect
 * banner, and ends with the whole answer once the network is back. Screenshots go to
 * test-results/react/ for people to look at.
 */
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Agent } from "@backchannel/server";
import { CopilotKitSDK, createLogger } from "@backchannel/server";
import { build } from "esbuild";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../helpers/chromium.js";
import { createTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const shots = join(root, "test-results/react");

const ANSWER = [
  "Here is a summary of the **four funds** on screen:",
  "",
  "| Fund | NAV | 1D |",
  "| --- | ---: | ---: |",
  "| Alpha Growth | 101.52 | +0.4% |",
  "| Beta Income | 98.20 | -1.1% |",
  "| Gamma Value | 54.07 | +2.3% |",
  "",
  "Things to check before the NAV sign-off:",
  "",
  "1. **Beta Income** fell 1.1%: confirm the bond prices from the vendor feed.",
  "2. Gamma Value's move is larger than its 30-day range.",
  "3. Delta Global has no price for `DLTG-7` today.",
  "",
  "```sql",
  "SELECT fund, nav, nav_change",
  "FROM daily_nav",
  "WHERE abs(nav_change) > 0.01;",
  "```",
  "",
  "End of report.",
].join("\n");

/** Questions the analyst already failed on once (Retry then succeeds). */
const failedOnce = new Set<string>();

/** Looks up holdings (a server-side tool call the UI shows), then streams ANSWER slowly. */
const analyst: Agent = {
  name: "analyst",
  description: "Portfolio analyst",
  async *run(input, ctx) {
    const wait = (ms: number) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, ms);
        ctx.signal.addEventListener("abort", () => {
          clearTimeout(t);
          reject(ctx.signal.reason);
        });
      });
    const toolCallId = `lookup-${input.runId}`;
    yield { type: "TOOL_CALL_START", toolCallId, toolCallName: "lookupHoldings" };
    yield { type: "TOOL_CALL_ARGS", toolCallId, delta: '{"portfolio":"main","date":"today"}' };
    yield { type: "TOOL_CALL_END", toolCallId };
    await wait(400);
    yield {
      type: "TOOL_CALL_RESULT",
      messageId: `r-${input.runId}`,
      toolCallId,
      content: JSON.stringify({ funds: 4, flagged: 3 }),
    };
    const messageId = `a-${input.runId}`;
    // "[fail]" in the question: the model gives out partway through the first answer to it.
    const last = input.messages.findLast((m) => m.role === "user");
    const fails = String(last?.content ?? "").includes("[fail]") && last && !failedOnce.has(last.id);
    if (last) failedOnce.add(last.id);
    const failAt = fails ? 160 : Number.POSITIVE_INFINITY;
    yield { type: "TEXT_MESSAGE_START", messageId, role: "assistant" };
    for (let i = 0; i < ANSWER.length; i += 5) {
      if (i >= failAt) throw new Error("The model provider closed the stream");
      await wait(12);
      yield { type: "TEXT_MESSAGE_CONTENT", messageId, delta: ANSWER.slice(i, i + 5) };
    }
    yield { type: "TEXT_MESSAGE_END", messageId };
  },
};

const HTML = (query: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>OpsHub</title>
<link rel="stylesheet" href="/app.css">
<style>
  body { margin: 0; font-family: ui-sans-serif, system-ui, sans-serif; background: #f7f8fa; color: #1b1f24; }
  @media (prefers-color-scheme: dark) { body { background: #0d0f13; color: #e6e8ec; } .holdings, .topbar { background: #15171c !important; border-color: #2a2e36 !important; } }
  .shell { display: flex; height: 100vh; }
  .main { flex: 1; min-width: 0; overflow: auto; }
  .topbar { display: flex; gap: 16px; align-items: center; padding: 14px 24px; background: #fff; border-bottom: 1px solid #e3e5ea; font-size: 14px; }
  .content { padding: 24px; }
  h1 { font-size: 22px; margin: 0 0 16px; }
  .holdings { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid #e3e5ea; border-radius: 10px; font-size: 14px; }
  .holdings th, .holdings td { padding: 10px 14px; text-align: left; border-bottom: 1px solid #eceef2; }
</style>
</head>
<body><div id="root"></div><script type="module" src="/app.js${query}"></script></body>
</html>`;

let sdk: CopilotKitSDK;
let backend: Awaited<ReturnType<CopilotKitSDK["listen"]>>;
let proxy: TcpProxy;
let site: Server;
let siteUrl: string;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  sdk = new CopilotKitSDK({
    agents: [analyst],
    auth: { apiKeys: { browser: "browser-test-key" } },
    logger: createLogger({ level: "silent" }),
    store: false,
  });
  backend = await sdk.listen({ port: 0 });
  proxy = await createTcpProxy({ port: backend.port });

  const bundle = await build({
    entryPoints: [join(root, "test/browser/react-app.tsx")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["@backchannel/source"],
    define: { "process.env.NODE_ENV": '"production"' },
    minify: true,
    write: false,
    outdir: "/out",
    logLevel: "silent",
  });
  const files = new Map(bundle.outputFiles.map((f) => [f.path.replace(/^\/out/, ""), f.text]));
  const js = files.get("/react-app.js");
  const css = files.get("/react-app.css");
  if (!js || !css) throw new Error(`esbuild produced ${[...files.keys()].join(", ")}`);
  site = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/app.js") res.writeHead(200, { "content-type": "text/javascript" }).end(js);
    else if (url.pathname === "/app.css") res.writeHead(200, { "content-type": "text/css" }).end(css);
    else res.writeHead(200, { "content-type": "text/html" }).end(HTML(url.search));
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => site?.close(resolve));
  await proxy?.close();
  await backend?.close();
});

async function open(
  query: string,
  options: { width: number; height: number; dark?: boolean },
): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: options.width, height: options.height } });
  await page.emulateMedia({ colorScheme: options.dark ? "dark" : "light", reducedMotion: "reduce" });
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  await page.goto(`${siteUrl}/${query}&ws=${encodeURIComponent(proxy.url("/copilotkit/ws"))}`);
  await page.waitForFunction(() => (window as any).__chat?.connectionState === "connected", null, {
    timeout: 10_000,
  });
  expect(errors).toEqual([]);
  return page;
}

async function ask(page: Page, text: string) {
  const box = page.getByRole("textbox", { name: "Type a message…" });
  await box.fill(text);
  await box.press("Enter");
}

const lastContent = (page: Page) =>
  page.evaluate(() => {
    const messages = (window as any).__chat.messages as { role: string; content?: string }[];
    return messages.findLast((m) => m.role === "assistant")?.content ?? "";
  });

describe("@backchannel/react in Chromium", () => {
  it("streams, survives a dropped socket with a banner, and resumes to the full answer", async () => {
    const page = await open("?mode=sidebar", { width: 1280, height: 800 });
    await page.screenshot({ path: join(shots, "1-sidebar-empty.png") });
    await ask(page, "Summarise today's holdings and what to check before sign-off.");

    // The tool call shows while it runs, then the answer streams in.
    await page.locator(".bc-tool", { hasText: "Running…" }).waitFor();
    await page.screenshot({ path: join(shots, "2a-tool-running.png") });
    await page.waitForFunction(() => {
      const answers = document.querySelectorAll(".bc-msg-assistant .bc-md");
      const text = answers[answers.length - 1]?.textContent ?? "";
      return text.includes("Beta Income");
    });
    await page.screenshot({ path: join(shots, "2-streaming.png") });

    // Drop the socket mid-answer and keep the network down for a while.
    proxy.refuse(true);
    proxy.cut();
    const banner = page.getByRole("status").filter({ hasText: "Reconnecting" });
    await banner.waitFor({ timeout: 5_000 });
    const partial = await lastContent(page);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(ANSWER.length);
    await page.screenshot({ path: join(shots, "3-reconnecting.png") });
    await page.waitForTimeout(800);
    proxy.refuse(false);

    // Back online: the banner goes and the answer completes, exactly once.
    await page.waitForFunction(() => !(window as any).__chat.isLoading, null, { timeout: 15_000 });
    await banner.waitFor({ state: "detached" });
    expect(await lastContent(page)).toBe(ANSWER);
    const sidebar = page.locator("aside.bc-sidebar");
    await expect(sidebar.locator("table tbody tr").count()).resolves.toBe(3);
    await expect(sidebar.locator("ol > li").count()).resolves.toBe(3);
    await expect(sidebar.locator(".bc-code .bc-code-lang").textContent()).resolves.toBe("sql");
    await expect(sidebar.locator(".bc-tool .bc-tool-status").textContent()).resolves.toBe("Done");
    await expect(sidebar.getByText("End of report.").count()).resolves.toBe(1);
    await page.screenshot({ path: join(shots, "4-resumed.png") });
    await page.close();
  });

  it("marks answers that ended early: an interrupted notice with Retry, Interrupted and Stopped tags, light and dark", async () => {
    for (const dark of [false, true]) {
      const page = await open("?mode=sidebar", { width: 1280, height: 800, dark });
      const sidebar = page.locator("aside.bc-sidebar");
      // A failed answer, then one the user stops, then another failed one (the latest).
      await ask(page, "Summarise today's holdings [fail]");
      await sidebar.getByRole("alert").waitFor({ timeout: 10_000 });
      await ask(page, "Try again, please.");
      // Stopped mid-answer: the second answer's text is streaming.
      await page.waitForFunction(() => {
        const rows = [...document.querySelectorAll(".bc-msg")];
        const asked = rows.findLastIndex((row) => row.classList.contains("bc-msg-user"));
        return rows
          .slice(asked + 1)
          .some((row) => row.querySelector(".bc-md")?.textContent?.includes("Alpha Growth"));
      });
      await sidebar.getByRole("button", { name: "Stop" }).click();
      await sidebar.locator('.bc-ending-tag[data-ending="stopped"]').waitFor();
      await ask(page, "One more time [fail]");
      const notice = sidebar.getByRole("alert");
      await notice.waitFor({ timeout: 10_000 });
      await expect(notice.textContent()).resolves.toContain("This answer was interrupted.");
      await expect(sidebar.locator('.bc-ending-tag[data-ending="failed"]').textContent()).resolves.toBe(
        "Interrupted",
      );
      await expect(sidebar.locator('.bc-ending-tag[data-ending="stopped"]').textContent()).resolves.toBe(
        "Stopped",
      );
      const colors = await notice.evaluate((el) => {
        const style = getComputedStyle(el);
        return { bg: style.backgroundColor, fg: style.color };
      });
      expect(colors).toEqual(
        dark
          ? { bg: "rgb(45, 23, 21)", fg: "rgb(253, 162, 155)" }
          : { bg: "rgb(254, 243, 242)", fg: "rgb(180, 35, 24)" },
      );
      await notice.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(shots, dark ? "9-ended-early-dark.png" : "8-ended-early.png") });
      // Retry answers the last question again, in full.
      await notice.getByRole("button", { name: "Retry" }).click();
      await notice.waitFor({ state: "detached" });
      await page.waitForFunction(() => !(window as any).__chat.isLoading, null, { timeout: 15_000 });
      await expect(sidebar.getByRole("alert").count()).resolves.toBe(0);
      expect(
        await page.evaluate(
          () => (window as any).__chat.messages.filter((m: any) => m.role === "user").length,
        ),
      ).toBe(3);
      await page.close();
    }
  });

  it("looks right as a popup, in dark mode and on a phone-width screen", async () => {
    const popup = await open("?mode=popup", { width: 1280, height: 800 });
    await ask(popup, "Summarise today's holdings.");
    await popup.waitForFunction(
      () => !(window as any).__chat.isLoading && (window as any).__chat.messages.length > 2,
      null,
      {
        timeout: 15_000,
      },
    );
    await popup.screenshot({ path: join(shots, "7-popup.png") });
    await popup.close();

    const dark = await open("?mode=sidebar", { width: 1280, height: 800, dark: true });
    await ask(dark, "Summarise today's holdings.");
    await dark.waitForFunction(
      () => !(window as any).__chat.isLoading && (window as any).__chat.messages.length > 2,
      null,
      {
        timeout: 15_000,
      },
    );
    expect(await lastContent(dark)).toBe(ANSWER);
    // Dark tokens applied: the panel background is dark.
    const bg = await dark.locator(".bc-chat").evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(bg).toBe("rgb(21, 23, 28)");
    await dark.screenshot({ path: join(shots, "5-dark.png") });
    await dark.close();

    const phone = await open("?mode=popup", { width: 390, height: 844 });
    const dialog = phone.getByRole("dialog", { name: "Portfolio Assistant" });
    await dialog.waitFor();
    const box = await dialog.boundingBox();
    expect(box?.width).toBe(390);
    await ask(phone, "Summarise today's holdings.");
    await phone.waitForFunction(
      () => !(window as any).__chat.isLoading && (window as any).__chat.messages.length > 2,
      null,
      {
        timeout: 15_000,
      },
    );
    // Nothing overflows the screen sideways (wide tables scroll inside their own box).
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: join(shots, "6-phone.png") });
    await phone.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    await phone.close();
  });
});
