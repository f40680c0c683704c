#!/usr/bin/env node
/**
 * `npm run bench:render`: how smoothly a chat UI shows a fast stream, in real Chromium with the
 * CPU throttled (DevTools' "slow laptop", 4×). Backchannel's `<CopilotChat>` and CopilotKit's
 * react-ui `<CopilotChat>` (1.74.0 from the registry) are measured in the same run, against the
 * same paced synthetic agent streaming one ~3,100-token Markdown answer.
 *
 * Per run: long tasks (count, total ms) and animation-frame intervals (% over 33 ms, p95) while
 * the answer streams; last token → DOM (from the server sending the last token to it being in
 * the page's DOM); keystroke → next frame p95 while typing into the chat box during the stream;
 * and whether the whole answer is shown (every sentinel word, in order). Medians of `--runs`.
 *
 *   npm run bench:render                               full run, writes bench/render-results.json
 *   npm run bench:render -- --runs=1 --rates=2000 --uis=backchannel --throttle=4 --history=0,200
 *   npm run bench:render -- --trace=/tmp/trace.json    also records a DevTools trace of each case's first run
 *   npm run bench:render -- --baseline=/work/main     adds main's Backchannel UI as "baseline" (A/B)
 *   npm run bench:render -- --profile=/tmp/p           and/or a JS CPU profile (.cpuprofile, for DevTools)
 *   npm run bench:render -- --minify=false             pages built unminified (readable names in profiles and traces)
 *   node bench/render.mjs --markdown                   prints the BENCHMARKS.md section from the JSON
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { CopilotKitSDK, createLogger } from "@backchannel/server";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { buildAnswer, tokenize } from "./render/answer.mjs";
import { serveStatic } from "./render/site.mjs";
import { renderSection, summarise } from "./render/stats.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, "").split("=");
    return [k, v ?? "true"];
  }),
);
const list = (v, d) => (v ? v.split(",") : d);
const RUNS = Number(args.runs ?? 3);
const RATES = list(args.rates, ["100", "500", "2000"]).map(Number);
const UIS = list(args.uis, ["backchannel", "copilotkit"]).concat(args.baseline ? ["baseline"] : []);
const THROTTLES = list(args.throttle, ["4", "1"]).map(Number);
const HISTORIES = list(args.history, ["0", "200"]).map(Number);
const OUT = args.out ?? join(root, "bench/render-results.json");
const KEY = "render-bench-key-0123";
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

const ANSWER = buildAnswer();
const TOKENS = tokenize(ANSWER.text);

/** When the server handed each run's last token to the transport (wall clock ms), by question. */
const lastSent = new Map();

/** Streams TOKENS at the rate named in the question ("... at 2000 tok/s #id"). */
const writer = {
  name: "writer",
  description: "Writes the daily sign-off report",
  async *run(input, ctx) {
    const question = String(input.messages.findLast((m) => m.role === "user")?.content ?? "");
    const rate = Number(/at (\d+) tok\/s/.exec(question)?.[1] ?? 500);
    const messageId = `a-${input.runId}`;
    yield { type: "TEXT_MESSAGE_START", messageId, role: "assistant" };
    const t0 = performance.now();
    let i = 0;
    while (i < TOKENS.length) {
      if (ctx.signal.aborted) return;
      const due = Math.min(TOKENS.length, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
      while (i < due) {
        if (i === TOKENS.length - 1) lastSent.set(question, performance.timeOrigin + performance.now());
        yield { type: "TEXT_MESSAGE_CONTENT", messageId, delta: TOKENS[i++] };
      }
      if (i < TOKENS.length) await sleep(Math.max(1, (i / rate) * 1000 - (performance.now() - t0)));
    }
    yield { type: "TEXT_MESSAGE_END", messageId };
  },
};

/** The condition under which @backchannel/* packages export their TypeScript sources. */
function sourceCondition() {
  const pkg = JSON.parse(readFileSync(join(root, "packages/react/package.json"), "utf8"));
  return Object.keys(pkg.exports["."]).find((k) => k !== "types" && k !== "default");
}

/**
 * `--baseline=/path/to/checkout`: the Backchannel page again, built from another checkout's
 * @backchannel/* sources (e.g. main before a change), measured as UI "baseline" in the same run.
 */
function fromCheckout(base) {
  return {
    name: "baseline",
    setup(b) {
      b.onResolve({ filter: /^@backchannel\/(react|client|protocol)(\/styles\.css)?$/ }, (a) => {
        const [, pkg, css] = /^@backchannel\/(\w+)(\/styles\.css)?$/.exec(a.path);
        return { path: join(base, "packages", pkg, css ? "styles.css" : "src/index.ts") };
      });
    },
  };
}

async function bundle(entry, base) {
  const result = await build({
    entryPoints: [join(root, "bench/render", entry)],
    plugins: base ? [fromCheckout(base)] : [],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    jsx: "automatic",
    // Backchannel from its sources; CopilotKit as published (its dependencies' own "source"
    // exports do not build).
    ...(entry.startsWith("backchannel") ? { conditions: [sourceCondition()] } : {}),
    define: { "process.env.NODE_ENV": '"production"', global: "globalThis" },
    loader: { ".woff": "empty", ".woff2": "empty", ".ttf": "empty" },
    // `--minify=false` keeps names readable in --profile output.
    minify: args.minify !== "false",
    write: false,
    outdir: "/out",
    logLevel: "silent",
  });
  const files = new Map(result.outputFiles.map((f) => [f.path.replace(/^\/out\//, ""), f.text]));
  const name = entry.replace(/\.tsx$/, "");
  return { js: files.get(`${name}.js`), css: files.get(`${name}.css`) ?? "" };
}

const pct = (xs, p) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

/** One run: a fresh page, a question, typing during the stream, then the page's records. */
async function runOnce(browser, site, backend, { ui, rate, throttle, history, trace, profile }) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.addInitScript({ path: join(root, "bench/render/probe.js") });
  const query =
    ui !== "copilotkit"
      ? `ws=${encodeURIComponent(`${backend.wsUrl}`)}&key=${KEY}&history=${history}`
      : `runtime=${encodeURIComponent(`${backend.httpUrl}/copilotkit`)}&key=${KEY}&history=${history}`;
  await page.goto(`${site.origin}/${ui}.html?${query}`);
  const box = page.locator("textarea").first();
  await box.waitFor({ timeout: 60_000 });
  if (ui !== "copilotkit")
    await page
      .locator(".bc-banner")
      .waitFor({ state: "detached", timeout: 30_000 })
      .catch(() => {});
  // Playwright injects its polling script into the page on the first waitForFunction: 45 ms of
  // script at 4x, which would land in the measured stream. Inject it now, unthrottled.
  await page.waitForFunction(() => true);
  await page.evaluate(() => window.__bench.lastAt > 0);
  await sleep(500);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: throttle });
  const question = `Write the sign-off report at ${rate} tok/s #${Math.random().toString(36).slice(2, 8)}`;
  await page.evaluate(
    ([first, last]) => Object.assign(window.__bench, { first, last }),
    [ANSWER.sentinels[0], ANSWER.sentinels.at(-1)],
  );
  await box.fill(question);
  await box.press("Enter");
  if (profile) {
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 500 });
    await cdp.send("Profiler.start");
  }
  if (trace)
    await cdp.send("Tracing.start", {
      categories: "toplevel,devtools.timeline,v8.execute,blink,disabled-by-default-devtools.timeline",
      transferMode: "ReturnAsStream",
    });
  const expectMs = (TOKENS.length / rate) * 1000;
  // Type into the chat box from the question until the last token is shown: one key every
  // 150 ms (a fast typist), through CDP Input.dispatchKeyEvent to the focused box. Only keys
  // pressed while the answer streams count.
  await box.focus();
  let typed = 0;
  const typing = (async () => {
    while (!(await page.evaluate(() => window.__bench.lastAt > 0))) {
      await page.keyboard.press(String.fromCharCode(97 + (typed++ % 26)));
      await sleep(150);
    }
  })();
  await page.waitForFunction(() => window.__bench.lastAt > 0, null, { timeout: expectMs * 4 + 60_000 });
  await typing;
  await sleep(300);
  let traceChunks;
  if (trace) {
    traceChunks = await new Promise((resolve) => {
      cdp.once("Tracing.tracingComplete", async ({ stream }) => {
        let data = "";
        for (;;) {
          const r = await cdp.send("IO.read", { handle: stream });
          data += r.data;
          if (r.eof) break;
        }
        resolve(data);
      });
      void cdp.send("Tracing.end");
    });
  }
  if (profile) writeFileSync(profile, JSON.stringify((await cdp.send("Profiler.stop")).profile));
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 1 });
  const rec = await page.evaluate(() => {
    const b = window.__bench;
    const origin = performance.timeOrigin;
    return { ...b, origin, text: document.body.textContent };
  });
  // textContent joins elements without spaces ("ok w0050Beta Income"): no \b after the digits.
  const shown = rec.text.match(/(?:END)?w\d{4}/g) ?? [];
  const whole = shown.join(" ") === ANSWER.sentinels.join(" ");
  const from = rec.firstAt - rec.origin;
  const to = rec.lastAt - rec.origin;
  const frames = rec.frames.filter((t) => t >= from && t <= to + 100);
  const intervals = frames.slice(1).map((t, i) => t - frames[i]);
  const keys = rec.keys.filter(([at]) => at >= from && at <= to).map(([, ms]) => ms);
  const tasks = rec.longtasks.filter(([s, d]) => s + d >= from && s <= to + 100);
  const sent = lastSent.get(question);
  if (trace) writeFileSync(trace, traceChunks);
  const shot = args.shots ? join(args.shots, `${ui}-${rate}-${throttle}x-${history}.png`) : undefined;
  if (shot) await page.screenshot({ path: shot });
  await page.close();
  return {
    longTasks: tasks.length,
    longTaskMs: tasks.reduce((a, [, d]) => a + d, 0),
    framesOver33: intervals.length ? intervals.filter((d) => d > 33.4).length / intervals.length : Number.NaN,
    frameP95: pct(intervals, 95),
    lastTokenToDom: rec.lastAt - sent,
    keyP95: pct(keys, 95),
    keys: keys.length,
    typed,
    ...(args.debug ? { rawKeys: rec.keys, from, to } : {}),
    whole,
    shownSentinels: shown.length,
    streamMs: to - from,
    errors,
  };
}

/**
 * The floor under "keystroke p95": the same typing into the chat box with nothing streaming, at
 * the same throttle. What the browser itself costs per key (editing, the input's own render,
 * style, layout, paint), which no stream handling can go below.
 */
async function typingFloor(browser, site, backend, ui, throttle, keys = 40) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.addInitScript({ path: join(root, "bench/render/probe.js") });
  const query =
    ui !== "copilotkit"
      ? `ws=${encodeURIComponent(backend.wsUrl)}&key=${KEY}&history=0`
      : `runtime=${encodeURIComponent(`${backend.httpUrl}/copilotkit`)}&key=${KEY}&history=0`;
  await page.goto(`${site.origin}/${ui}.html?${query}`);
  const box = page.locator("textarea").first();
  await box.waitFor({ timeout: 60_000 });
  await sleep(500);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: throttle });
  await box.focus();
  for (let i = 0; i < keys; i++) {
    await page.keyboard.press(String.fromCharCode(97 + (i % 26)));
    await sleep(150);
  }
  await sleep(300);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 1 });
  const latencies = await page.evaluate(() => window.__bench.keys.map(([, ms]) => ms));
  await page.close();
  return pct(latencies, 95);
}

async function main() {
  if (args.markdown === "true") {
    console.log(renderSection(JSON.parse(readFileSync(OUT, "utf8"))));
    return;
  }
  const loadBefore = loadavg()[0];
  if (loadBefore > 0.5)
    console.warn(`warning: load average ${loadBefore.toFixed(2)}: other work will skew these figures`);
  const pages = {
    backchannel: await bundle("backchannel-page.tsx"),
    copilotkit: UIS.includes("copilotkit") ? await bundle("copilotkit-page.tsx") : undefined,
    baseline: args.baseline ? await bundle("backchannel-page.tsx", args.baseline) : undefined,
  };
  const site = await serveStatic(pages);
  const sdk = new CopilotKitSDK({
    agents: [writer],
    auth: { apiKeys: KEY },
    allowedOrigins: [site.origin],
    logger: createLogger({ level: "silent" }),
    store: false,
  });
  const backend = await sdk.listen({ port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  const started = Date.now();
  const rows = [];
  const floors = [];
  try {
    for (const throttle of THROTTLES)
      for (const ui of UIS) {
        const runs = [];
        for (let r = 0; r < RUNS; r++) runs.push(await typingFloor(browser, site, backend, ui, throttle));
        const keyP95 = [...runs].sort((a, b) => a - b)[runs.length >> 1];
        floors.push({ ui, throttle, keyP95, runs });
        console.log(
          `${ui.padEnd(11)} typing, nothing streaming, ${throttle}x: key p95 ${Math.round(keyP95)} ms`,
        );
      }
    for (const history of HISTORIES)
      for (const throttle of THROTTLES)
        for (const rate of RATES) {
          // Without throttling only the fastest rate matters (the issue: smooth at every rate).
          if (throttle === 1 && rate !== Math.max(...RATES)) continue;
          for (const ui of UIS) {
            // CopilotKit's page cannot start from a stored transcript here: history is Backchannel's.
            if (history > 0 && ui === "copilotkit") continue;
            const runs = [];
            for (let r = 0; r < RUNS; r++) {
              const trace =
                args.trace && r === 0
                  ? args.trace.replace(/(\.json)?$/, `-${ui}-${rate}-${throttle}x-${history}.json`)
                  : undefined;
              const profile =
                args.profile && r === 0
                  ? args.profile.replace(
                      /(\.cpuprofile)?$/,
                      `-${ui}-${rate}-${throttle}x-${history}.cpuprofile`,
                    )
                  : undefined;
              runs.push(
                await runOnce(browser, site, backend, { ui, rate, throttle, history, trace, profile }),
              );
            }
            const row = { ui, rate, throttle, history, ...summarise(runs), runs };
            rows.push(row);
            console.log(
              `${ui.padEnd(11)} ${String(rate).padStart(4)} tok/s ${throttle}x history ${String(history).padStart(3)}: ` +
                `long tasks ${row.longTasks} (${Math.round(row.longTaskMs)} ms), frames>33ms ${(row.framesOver33 * 100).toFixed(1)}%, ` +
                `frame p95 ${Math.round(row.frameP95)} ms, last token→DOM ${Math.round(row.lastTokenToDom)} ms, ` +
                `key p95 ${Math.round(row.keyP95)} ms, whole answer ${row.whole ? "yes" : "NO"}`,
            );
          }
        }
  } finally {
    await browser.close();
    await backend.close();
    await site.close();
  }
  const result = {
    date: new Date().toISOString(),
    command: `npm run bench:render${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
    runs: RUNS,
    tokens: TOKENS.length,
    answerChars: ANSWER.text.length,
    loadBefore,
    loadAfter: loadavg()[0],
    seconds: (Date.now() - started) / 1000,
    chromium: browser.version(),
    floors,
    rows,
  };
  writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\n${renderSection(result)}\nwrote ${OUT}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
