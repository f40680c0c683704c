/**
 * The HTTP/SSE fallback in real Chromium: the page's origin serves the Next.js route of
 * `@backchannel/next` (cookie session → JWT), the agent backend sits behind a proxy that
 * refuses WebSocket upgrades. The browser's own WebSocket is refused, the client carries on
 * over fetch + SSE through the route, and takes the WebSocket back once upgrades pass.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createCopilotRouteHandlers } from "@backchannel/next";
import { CopilotKitSDK, type ListeningServer } from "@backchannel/server";
import { build } from "esbuild";
import { SignJWT } from "jose";
import { pino } from "pino";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testAgents } from "../helpers/agents.js";
import { createRefusingProxy, type RefusingProxy } from "../helpers/refusing-proxy.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const SECRET = "browser-sse-hs256-secret-of-32-chars!";

let backend: ListeningServer;
let proxy: RefusingProxy;
let site: Server;
let siteUrl: string;
let browser: Browser;

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [join(root, "test/browser/sse-app.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["source"],
    write: false,
    outdir: "/out",
    logLevel: "silent",
  });
  const script = bundle.outputFiles[0]!.text;
  // The site must exist before the backend, whose allowedOrigins names it.
  site = createServer();
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  const sdk = new CopilotKitSDK({
    agents: testAgents as never,
    auth: { jwt: { secret: SECRET } },
    allowedOrigins: [siteUrl],
    logger: pino({ level: "silent" }),
  });
  backend = await sdk.listen({ port: 0 });
  proxy = await createRefusingProxy({ port: backend.port });
  const { GET, POST } = createCopilotRouteHandlers({
    backendUrl: `${backend.httpUrl}/copilotkit`,
    publicWsUrl: `${proxy.wsOrigin}/copilotkit/ws`,
    getAuthHeaders: async (request) => {
      const user = /session=([a-z]+)/.exec(request.headers.get("cookie") ?? "")?.[1];
      if (!user) return null;
      const jwt = await new SignJWT({})
        .setProtectedHeader({ alg: "HS256" })
        .setSubject(user)
        .setExpirationTime("1h")
        .sign(new TextEncoder().encode(SECRET));
      return { Authorization: `Bearer ${jwt}` };
    },
  });
  site.on("request", (req, res) => {
    const url = new URL(req.url ?? "/", siteUrl);
    if (url.pathname === "/") {
      res.writeHead(200, { "content-type": "text/html", "set-cookie": "session=alice; Path=/; HttpOnly" });
      res.end(
        '<!doctype html><meta charset="utf-8"><title>sse</title><script type="module" src="/app.js"></script>',
      );
      return;
    }
    if (url.pathname === "/app.js") {
      res.writeHead(200, { "content-type": "text/javascript" });
      res.end(script);
      return;
    }
    if (url.pathname.startsWith("/api/copilotkit/")) {
      const controller = new AbortController();
      res.on("close", () => controller.abort());
      const chunks: Buffer[] = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", async () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
        const request = new Request(url, {
          method: req.method,
          headers,
          signal: controller.signal,
          ...(req.method === "POST" ? { body: Buffer.concat(chunks) } : {}),
        });
        const response = await (req.method === "POST" ? POST : GET)(request);
        const out: Record<string, string> = {};
        response.headers.forEach((v, k) => {
          out[k] = v;
        });
        res.writeHead(response.status, out);
        res.flushHeaders();
        if (!response.body) return void res.end();
        const reader = response.body.getReader();
        for (;;) {
          const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
          if (done || res.destroyed) break;
          res.write(value);
        }
        res.end();
      });
      return;
    }
    res.writeHead(404).end();
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  site?.closeAllConnections();
  await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
  await proxy?.close();
  await backend?.close();
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
    expect(first.principal).toBe("alice");
    expect(proxy.upgradesSeen).toBeGreaterThanOrEqual(1);
    expect(proxy.upgradesPassed).toBe(0);

    const who = await page.evaluate(() => (window as any).__run("whoami"));
    expect(who).toEqual({ status: "finished", text: "user:alice" });
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
    expect(overWs).toEqual({ status: "finished", text: "user:alice" });
    expect(errors).toEqual([]);
    await page.close();
  });
});
