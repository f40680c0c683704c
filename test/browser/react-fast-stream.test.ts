/**
 * @backchannel/react showing a fast stream on a slow CPU, in Chromium: a ~3,000-token Markdown
 * answer (headings, lists, tables, code blocks, links) at 2,000 tokens/s with the CPU throttled
 * 4× through the DevTools protocol, into an empty chat and into one that already holds 200
 * messages. Checks what must hold however slow the machine is: the whole answer shown exactly
 * once and in order, the log following it to the bottom, and a reader who scrolled up left where
 * they are. No timing assertions (the figures are in bench/render.mjs). Screenshots go to
 * test-results/react/.
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

const root = fileURLToPath(new URL("../..", import.meta.url));
const shots = join(root, "test-results/react");

/** The answer: 6 sections; every line carries numbered sentinels ("s0001") to find in the DOM. */
function buildAnswer(): { text: string; sentinels: string[] } {
  let n = 0;
  const s = () => `s${String(n++).padStart(4, "0")}`;
  const out: string[] = [`# Sign-off report ${s()}`, ""];
  for (let i = 0; i < 6; i++) {
    out.push(`## Section ${i + 1} ${s()}`, "");
    out.push(
      `The check ${s()} compares the [vendor feed](https://example.com/${i}) ${s()} with \`daily_nav\` ${s()}; **stale prices** ${s()} and _late trades_ ${s()} need a look.`,
      "",
      `- confirm the inputs ${s()}`,
      `- compare with yesterday ${s()}`,
      `  - escalate big moves ${s()}`,
      `- sign the checklist ${s()}`,
      "",
      "| Fund | NAV | Note |",
      "| --- | ---: | --- |",
      `| Alpha | 101.5${i} | ok ${s()} |`,
      `| Beta | 98.2${i} | check ${s()} |`,
      "",
      "```sql",
      `SELECT fund, nav -- ${s()}`,
      `FROM daily_nav -- ${s()}`,
      "```",
      "",
      `1. open the report ${s()}`,
      `2. assign the breaks ${s()}`,
      "",
    );
    for (let p = 0; p < 4; p++)
      out.push(
        `Paragraph ${p} of section ${i + 1} ${s()} says what changed since yesterday ${s()}, which funds moved ${s()}, and what the team should look at first ${s()} before the cut-off at five ${s()}.`,
        "",
      );
  }
  out.push(`End of report ${s()}.`);
  const text = out.join("\n");
  return { text, sentinels: text.match(/s\d{4}/g) ?? [] };
}

const ANSWER = buildAnswer();
const TOKENS = ANSWER.text.match(/\s*\S{1,4}|\s+$/g) ?? [];
const RATE = 2000;

/** Resolves the pause of a "[pause]" question's answer, halfway through. */
let resume: () => void = () => {};

const writer: Agent = {
  name: "writer",
  description: "Writes the sign-off report",
  async *run(input, ctx) {
    const question = String(input.messages.findLast((m) => m.role === "user")?.content ?? "");
    const pauseAt = question.includes("[pause]") ? Math.floor(TOKENS.length / 2) : -1;
    const messageId = `a-${input.runId}`;
    yield { type: "TEXT_MESSAGE_START", messageId, role: "assistant" };
    let t0 = performance.now();
    let sent = 0;
    let i = 0;
    while (i < TOKENS.length) {
      if (ctx.signal.aborted) return;
      if (i === pauseAt) {
        await new Promise<void>((r) => {
          resume = r;
        });
        t0 = performance.now();
        sent = i;
      }
      const due = Math.min(TOKENS.length, sent + Math.floor(((performance.now() - t0) / 1000) * RATE) + 1);
      const until = pauseAt > i ? Math.min(due, pauseAt) : due;
      while (i < until) yield { type: "TEXT_MESSAGE_CONTENT", messageId, delta: TOKENS[i++]! };
      if (i < TOKENS.length && i !== pauseAt) await new Promise((r) => setTimeout(r, 4));
    }
    yield { type: "TEXT_MESSAGE_END", messageId };
  },
};

const HTML = (query: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>OpsHub</title>
<link rel="stylesheet" href="/app.css">
<style>body { margin: 0; font-family: ui-sans-serif, system-ui, sans-serif; } .shell { display: flex; height: 100vh; } .main { flex: 1; min-width: 0; overflow: auto; padding: 0 24px; }</style>
</head><body><div id="root"></div><script type="module" src="/app.js${query}"></script></body></html>`;

let backend: Awaited<ReturnType<CopilotKitSDK["listen"]>>;
let site: Server;
let siteUrl: string;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  const sdk = new CopilotKitSDK({
    agents: [writer],
    auth: { apiKeys: { browser: "browser-test-key" } },
    logger: createLogger({ level: "silent" }),
    store: false,
  });
  backend = await sdk.listen({ port: 0 });
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
  await backend?.close();
});

/** A sidebar chat on a throttled CPU, connected. */
async function open(history: number): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  await page.goto(`${siteUrl}/?mode=sidebar&history=${history}&ws=${encodeURIComponent(`${backend.wsUrl}`)}`);
  await page.waitForFunction(() => (window as any).__chat?.connectionState === "connected", null, {
    timeout: 20_000,
  });
  // The log renders its (deferred) copy of the history in the background, in slices.
  await page.waitForFunction((n) => document.querySelectorAll(".bc-msg-user").length === n, history / 2, {
    timeout: 20_000,
  });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  expect(errors).toEqual([]);
  return page;
}

async function ask(page: Page, text: string) {
  const box = page.getByRole("textbox", { name: "Type a message…" });
  await box.fill(text);
  await box.press("Enter");
}

/**
 * The run is over and the log shows it: the log renders a deferred copy of the chat (input
 * first), so it may trail the hook's state by a frame; no message streaming means it caught up.
 */
const finished = (page: Page) =>
  page.waitForFunction(
    () =>
      !(window as any).__chat.isLoading &&
      (window as any).__chat.messages.length > 1 &&
      document.querySelector(".bc-msg[data-streaming]") === null,
    null,
    { timeout: 90_000 },
  );

/** Distance in px from the log's scroll position to its bottom, after the next paint. */
const fromBottom = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<number>((resolve) =>
        requestAnimationFrame(() =>
          requestAnimationFrame(() => {
            const el = document.querySelector(".bc-messages")!;
            resolve(el.scrollHeight - el.scrollTop - el.clientHeight);
          }),
        ),
      ),
  );

/** What the last answer shows: its sentinels in DOM order, its table rows and code blocks. */
const shown = (page: Page) =>
  page.evaluate(() => {
    const answers = document.querySelectorAll(".bc-msg-assistant");
    const last = answers[answers.length - 1]!;
    return {
      sentinels: (last.textContent ?? "").match(/s\d{4}/g) ?? [],
      rows: last.querySelectorAll("tbody tr").length,
      code: last.querySelectorAll(".bc-code").length,
      links: last.querySelectorAll("a[href^='https://example.com/']").length,
      content: (window as any).__chat.messages.at(-1)?.content as string,
    };
  });

describe("@backchannel/react with a fast stream on a throttled CPU", () => {
  for (const history of [0, 200]) {
    it(`shows the whole answer at 2,000 tokens/s and follows it to the bottom (${history} messages before)`, async () => {
      const page = await open(history);
      await expect(page.locator(".bc-msg-user").count()).resolves.toBe(history / 2);
      await ask(page, "Write the sign-off report.");
      await finished(page);
      const result = await shown(page);
      // Nothing dropped or repeated, in the transcript and on screen.
      expect(result.content).toBe(ANSWER.text);
      expect(result.sentinels).toEqual(ANSWER.sentinels);
      expect(result.rows).toBe(12);
      expect(result.code).toBe(6);
      expect(result.links).toBe(6);
      expect(await fromBottom(page)).toBeLessThanOrEqual(1);
      // The transcript before it is all still there.
      await expect(page.locator(".bc-msg-user").count()).resolves.toBe(history / 2 + 1);
      await page.screenshot({ path: join(shots, `fast-stream-${history}.png`) });
      await page.close();
    }, 120_000);
  }

  it("follows the answer while it streams, and leaves a reader who scrolled up where they are", async () => {
    const page = await open(0);
    await ask(page, "Write the sign-off report [pause]");
    // Halfway (the agent waits): once that half is on screen, the log is at its bottom.
    const halfText = TOKENS.slice(0, Math.floor(TOKENS.length / 2)).join("");
    const halfSentinels = halfText.match(/s\d{4}/g)!.length;
    await page.waitForFunction(
      (n) => {
        const answers = document.querySelectorAll(".bc-msg-assistant");
        return (answers[answers.length - 1]?.textContent?.match(/s\d{4}/g)?.length ?? 0) >= n;
      },
      halfSentinels,
      { timeout: 60_000 },
    );
    expect(await fromBottom(page)).toBeLessThanOrEqual(1);
    // The reader scrolls up to read something earlier; the rest of the answer must not pull them down.
    const top = await page.evaluate(() => {
      const el = document.querySelector(".bc-messages")!;
      el.scrollTop = el.scrollHeight - el.clientHeight - 600;
      el.dispatchEvent(new Event("scroll"));
      return el.scrollTop;
    });
    await page.getByRole("button", { name: "Jump to latest" }).waitFor();
    resume();
    await finished(page);
    expect((await shown(page)).sentinels).toEqual(ANSWER.sentinels);
    expect(await page.evaluate(() => document.querySelector(".bc-messages")!.scrollTop)).toBe(top);
    expect(await fromBottom(page)).toBeGreaterThan(600);
    await page.screenshot({ path: join(shots, "fast-stream-scrolled-up.png") });
    await page.getByRole("button", { name: "Jump to latest" }).click();
    await page.waitForFunction(() => {
      const el = document.querySelector(".bc-messages")!;
      return el.scrollHeight - el.scrollTop - el.clientHeight <= 1;
    });
    await page.close();
  }, 120_000);
});
