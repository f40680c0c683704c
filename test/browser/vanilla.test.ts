/**
 * examples/vanilla in real Chromium, served by its own server.mjs behind a TCP proxy: the
 * answer streams into the page, the agent recolours the page through a client tool, a socket
 * cut mid-answer (the proxy refuses new connections for a while) resumes to the whole answer
 * with no gap and no repeat, and a reload shows the conversation again.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: the example is plain JavaScript, as a user would write it.
import { startVanilla } from "../../examples/vanilla/server.mjs";
import { launchChromium } from "../helpers/chromium.js";
import { createTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.js";

let app: { port: number; close(): Promise<void> };
let proxy: TcpProxy;
let browser: Browser;

beforeAll(async () => {
  app = await startVanilla({ port: 0, wordDelayMs: 25, dataDir: mkdtempSync(join(tmpdir(), "bc-vanilla-")) });
  proxy = await createTcpProxy({ port: app.port });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await app?.close();
});

const FULL_ANSWER = (question: string) =>
  `You asked: ${question}. Here is a long answer, one word at a time, to show streaming: ${Array.from(
    { length: 30 },
    (_, i) => `w${i + 1}`,
  ).join(" ")}.`;

const items = (page: Page) =>
  page.$$eval("#messages li", (lis) => lis.map((li) => `${li.className}: ${li.textContent}`));
const status = (page: Page) => page.$eval("#status", (el) => (el as HTMLOutputElement).value);

async function ask(page: Page, text: string) {
  await page.getByRole("textbox", { name: "Your question" }).fill(text);
  await page.getByRole("button", { name: "Send" }).click();
}

describe("examples/vanilla in Chromium", () => {
  it("streams, runs a client tool, resumes after a dropped socket, and a reload restores the conversation", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(err.message));
    await page.goto(`http://127.0.0.1:${proxy.port}/`);
    await page.waitForFunction(() => document.querySelector("#status")?.textContent === "connected");

    // Streaming: the answer grows in place before it is complete.
    await ask(page, "hello");
    await page.waitForFunction(() =>
      /w3 /.test(document.querySelector("#messages .assistant")?.textContent ?? ""),
    );
    const partial = (await items(page)).at(-1)!;
    expect(partial).not.toBe(`assistant: ${FULL_ANSWER("hello")}`);
    await page.waitForFunction(
      (full) => document.querySelector("#messages .assistant")?.textContent === full,
      FULL_ANSWER("hello"),
    );

    // A client tool: the agent asks the page to recolour itself, then reports the tool's answer.
    await ask(page, "make it teal");
    await page.waitForFunction(() =>
      [...document.querySelectorAll("#messages .assistant")].some((li) =>
        li.textContent?.startsWith("Done. The accent is now teal."),
      ),
    );
    expect(await page.evaluate(() => document.documentElement.style.getPropertyValue("--accent"))).toBe(
      "teal",
    );

    // Reconnect and resume: cut the socket mid-answer and keep the server unreachable a moment.
    await ask(page, "again");
    await page.waitForFunction(() =>
      /w5 /.test([...document.querySelectorAll("#messages .assistant")].at(-1)?.textContent ?? ""),
    );
    proxy.refuse(true);
    proxy.cut();
    await page.waitForFunction(() => document.querySelector("#status")?.textContent === "reconnecting");
    proxy.refuse(false);
    await page.waitForFunction(
      (full) => [...document.querySelectorAll("#messages .assistant")].at(-1)?.textContent === full,
      FULL_ANSWER("again"),
      { timeout: 20_000 },
    );
    expect(await status(page)).toBe("connected");
    const before = await items(page);
    expect(before).toEqual([
      "user: hello",
      `assistant: ${FULL_ANSWER("hello")}`,
      "user: make it teal",
      "assistant: Done. The accent is now teal.",
      "user: again",
      `assistant: ${FULL_ANSWER("again")}`,
    ]);

    // Reload: the same thread (kept in localStorage) comes back from the server's history.
    await page.reload();
    await page.waitForFunction(
      (count) => document.querySelectorAll("#messages li").length === count,
      before.length,
    );
    expect(await items(page)).toEqual(before);
    expect(errors).toEqual([]);
    await page.close();
  });
});
