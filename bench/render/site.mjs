/**
 * The render benchmark's static site: one HTML page per UI with its bundle, on 127.0.0.1.
 * @module
 */
import { createServer } from "node:http";

const HTML = (name) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Render bench: ${name}</title>
<link rel="stylesheet" href="/${name}.css">
<style>
  html, body { margin: 0; height: 100%; font-family: ui-sans-serif, system-ui, sans-serif; background: #f7f8fa; }
  .shell { display: flex; height: 100vh; }
  .page { flex: 1; padding: 24px; color: #1b1f24; }
  #root { width: 440px; height: 100vh; border-left: 1px solid #e3e5ea; background: #fff; display: flex; flex-direction: column; }
  #root > * { flex: 1; min-height: 0; }
</style></head>
<body><div class="shell"><div class="page"><h1>Portfolio holdings</h1></div><div id="root"></div></div>
<script type="module" src="/${name}.js"></script></body></html>`;

/** Serves `pages` (name → { js, css }) as /name.html, /name.js, /name.css. */
export async function serveStatic(pages) {
  const server = createServer((req, res) => {
    const m = /^\/(\w+)\.(html|js|css)/.exec(req.url ?? "");
    const page = m && pages[m[1]];
    if (!page) return res.writeHead(404).end();
    const type = { html: "text/html", js: "text/javascript", css: "text/css" }[m[2]];
    const body = m[2] === "html" ? HTML(m[1]) : page[m[2]];
    res.writeHead(200, { "content-type": type, "cache-control": "max-age=600" }).end(body);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
