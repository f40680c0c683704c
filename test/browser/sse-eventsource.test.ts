/**
 * The SSE format against the browser's own `EventSource`: through the cookie-authenticated
 * Next.js route, a run's events arrive with their seqs as `lastEventId`; when the stream is cut
 * mid-run, EventSource reconnects by itself with `Last-Event-ID` and the run continues with no
 * gap or duplicate; after the run's end the server answers 204, which stops EventSource for good.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../helpers/chromium.js";
import { type SseSite, startSseSite } from "./sse-site.js";

let site: SseSite;
let browser: Browser;

beforeAll(async () => {
  site = await startSseSite({ routeViaProxy: true });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

describe("EventSource against GET /runs/:runId/events", () => {
  it("follows a run, resumes by itself after a cut with Last-Event-ID, and stops on the final 204", async () => {
    const page = await browser.newPage();
    await page.goto(site.siteUrl);
    const runId = `es-${Date.now()}`;
    // Start the run through the route (the page's cookie authenticates), then drop that response.
    await page.evaluate(async (id) => {
      const input = {
        threadId: `t-${id}`,
        runId: id,
        messages: [],
        tools: [],
        context: [],
        state: {},
        forwardedProps: { count: 150, delayMs: 10 },
      };
      const controller = new AbortController();
      const res = await fetch("/api/copilotkit/agents/streamer/run", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify(input),
        signal: controller.signal,
      });
      await res.body!.getReader().read();
      controller.abort();
    }, runId);

    await page.evaluate((id) => {
      const w = window as any;
      w.__es = { ids: [] as number[], text: "", opens: 0, done: false };
      const es = new EventSource(`/api/copilotkit/runs/${encodeURIComponent(id)}/events?after=0`);
      w.__source = es;
      es.onopen = () => w.__es.opens++;
      es.onmessage = (e: MessageEvent) => {
        w.__es.ids.push(Number(e.lastEventId));
        const event = JSON.parse(e.data);
        if (event.type === "TEXT_MESSAGE_CONTENT") w.__es.text += event.delta;
      };
      es.onerror = () => {
        if (es.readyState === EventSource.CLOSED) w.__es.done = true;
      };
    }, runId);

    await page.waitForFunction(() => (window as any).__es.ids.length >= 20, null, { timeout: 10_000 });
    site.proxy.cutStreams();
    await page.waitForFunction(() => (window as any).__es.done === true, null, { timeout: 20_000 });
    const result = await page.evaluate(() => (window as any).__es);
    const run = site.sdk.registry.get(runId)!;
    expect(run.status).toBe("finished");
    // Opened twice: at first, and again after the cut (the final 204 is an error, not an open).
    expect(result.opens).toBeGreaterThanOrEqual(2);
    expect(result.text).toBe(Array.from({ length: 150 }, (_, i) => `t${i} `).join(""));
    expect(result.ids.every((id: number, i: number) => i === 0 || id > result.ids[i - 1])).toBe(true);
    expect(result.ids.at(-1)).toBe(run.lastSeq);
    await page.close();
  });
});
