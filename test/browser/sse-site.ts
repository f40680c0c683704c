/**
 * The site of the browser SSE tests: an app origin serving a page (an esbuild bundle of
 * `entry`, or none) and the Next.js route of `@backchannel/next` at `/api/copilotkit` (session
 * cookie → JWT), in front of a real backend reached through a proxy that refuses WebSocket
 * upgrades (and can cut streams). Everything over real sockets.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createCopilotRouteHandlers } from "@backchannel/next";
import { CopilotKitSDK, type ListeningServer } from "@backchannel/server";
import { build } from "esbuild";
import { SignJWT } from "jose";
import { pino } from "pino";
import { testAgents } from "../helpers/agents.js";
import { createRefusingProxy, type RefusingProxy } from "../helpers/refusing-proxy.js";

const SECRET = "browser-sse-hs256-secret-of-32-chars!";

export interface SseSite {
  siteUrl: string;
  sdk: CopilotKitSDK;
  backend: ListeningServer;
  proxy: RefusingProxy;
  close(): Promise<void>;
}

/**
 * Starts the site. `entry`: a page script bundled for the browser (served as `/app.js` from
 * `/`). The route reaches the backend through the proxy when `routeViaProxy` (so the test can
 * cut the route's upstream streams), directly otherwise; the browser's WebSocket always goes
 * through the proxy.
 */
export async function startSseSite(opts: { entry?: string; routeViaProxy?: boolean } = {}): Promise<SseSite> {
  const script = opts.entry
    ? (
        await build({
          entryPoints: [opts.entry],
          bundle: true,
          format: "esm",
          platform: "browser",
          conditions: ["@backchannel/source"],
          write: false,
          outdir: "/out",
          logLevel: "silent",
        })
      ).outputFiles[0]!.text
    : "";
  // The site must exist before the backend, whose allowedOrigins names it.
  const site: Server = createServer();
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  const siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  const sdk = new CopilotKitSDK({
    agents: testAgents as never,
    auth: { jwt: { secret: SECRET } },
    allowedOrigins: [siteUrl],
    logger: pino({ level: "silent" }),
  });
  const backend = await sdk.listen({ port: 0 });
  const proxy = await createRefusingProxy({ port: backend.port });
  const { GET, POST } = createCopilotRouteHandlers({
    backendUrl: `${opts.routeViaProxy ? proxy.httpUrl : backend.httpUrl}/copilotkit`,
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
        `<!doctype html><meta charset="utf-8"><title>sse</title>${script ? '<script type="module" src="/app.js"></script>' : ""}`,
      );
      return;
    }
    if (url.pathname === "/app.js") {
      res.writeHead(200, { "content-type": "text/javascript" });
      res.end(script);
      return;
    }
    if (!url.pathname.startsWith("/api/copilotkit/")) {
      res.writeHead(404).end();
      return;
    }
    // What Next.js's Node runtime does for a route handler: a web Request in, the Response streamed out.
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
  });
  return {
    siteUrl,
    sdk,
    backend,
    proxy,
    async close() {
      site.closeAllConnections();
      await new Promise<void>((resolve) => site.close(() => resolve()));
      await proxy.close();
      await backend.close();
    },
  };
}
