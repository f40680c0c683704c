/**
 * The HTTP/SSE fallback in real Chromium: the page's origin serves the Next.js route of
 * `@backchannel/next` (cookie session → JWT), the agent backend sits behind a proxy that
 * refuses WebSocket upgrades. The browser's own WebSocket is refused, the client carries on
 * over fetch + SSE through the route, and takes the WebSocket back once upgrades pass.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../helpers/chromium.js";
import type { RefusingProxy } from "../helpers/refusing-proxy.js";
import { type SseSite, startSseSite } from "./sse-site.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

let site: SseSite;
let proxy: RefusingProxy;
let siteUrl: string;
let browser: Browser;

beforeAll(async () => {
  site = await startSseSite({ entry: join(root, "test/browser/sse-app.ts") });
  proxy = site.proxy;
  siteUrl = site.siteUrl;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

describe("SSE fallback in Chromium", () => {
  it("falls back when the browser's WebSocket is refused, streams through the route as the cookie's user, then takes the WebSocket back", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(err.message));
    await page.goto(siteUrl);
    await page.waitForFunction(() => (window as any).__sse?.connectionState === "connected", null, {
      timeout: 10_000,
    });
    const first = await page.evaluate(() => ({ ...(window as any).__sse }));
    expect(first.sessionId).toMatch(/^sse-/);
    expect(first.principal).toBe("user:alice");
    expect(proxy.upgradesSeen).toBeGreaterThanOrEqual(1);
    expect(proxy.upgradesPassed).toBe(0);

    const who = await page.evaluate(() => (window as any).__run("whoami"));
    expect(who).toEqual({ status: "finished", text: "user:user:alice" });
    const long = await page.evaluate(() => (window as any).__run("streamer", { count: 200, delayMs: 1 }));
    expect(long.status).toBe("finished");
    expect(long.text).toBe(Array.from({ length: 200 }, (_, i) => `t${i} `).join(""));
    // The page never saw a credential: its cookie is HttpOnly and nothing else was handed to it.
    expect(await page.evaluate(() => document.cookie)).toBe("");

    proxy.refuseUpgrades(false);
    await page.waitForFunction(
      () =>
        (window as any).__sse.connectionState === "connected" &&
        !(window as any).__sse.sessionId.startsWith("sse-"),
      null,
      { timeout: 10_000 },
    );
    expect(proxy.upgradesPassed).toBeGreaterThanOrEqual(2);
    const overWs = await page.evaluate(() => (window as any).__run("whoami"));
    expect(overWs).toEqual({ status: "finished", text: "user:user:alice" });
    expect(errors).toEqual([]);
    await page.close();
  });
});
