#!/usr/bin/env node
/**
 * Frame-parse micro-benchmark: what the JSON nesting-depth check (MAX_JSON_DEPTH) costs per
 * inbound frame, as a share of parsing and validating the whole frame (`parseClientFrame`),
 * for frame shapes from a ping to a 1 MiB run. Ratios in the same run, not absolute times.
 *
 * Usage: npm run build && node bench/frame-depth.mjs
 */
import { exceedsJsonDepth } from "../packages/protocol/dist/index.js";
import { parseClientFrame } from "../packages/protocol/dist/validate.js";

const msgs = (n, len, q) =>
  Array.from({ length: n }, (_, i) => ({
    id: `m${i}`,
    role: i % 2 ? "assistant" : "user",
    content: (q ? 'lorem "quoted" dolor ' : "lorem ipsum dolor sit ").repeat(len),
  }));
const frame = (n, len, state, q = false) =>
  JSON.stringify({
    type: "run",
    id: "r",
    agent: "a",
    input: {
      threadId: "t",
      runId: "x",
      messages: msgs(n, len, q),
      tools: [],
      context: [],
      state,
      forwardedProps: {},
    },
  });
const cases = {
  ping: JSON.stringify({ type: "ping", ts: Date.now() }),
  "run, 20 msgs (~6 KB)": frame(20, 12, { a: 1 }),
  "run, 20 msgs quote-heavy": frame(20, 12, { a: 1 }, true),
  "run, state 2k keys (~370 KB)": frame(
    200,
    70,
    Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, { v: [i, i + 1] }])),
  ),
  "run, ~1 MiB quote-heavy text": frame(100, 450, {}, true),
};
function time(fn, iters) {
  for (let i = 0; i < Math.min(iters, 300); i++) fn();
  const t = process.hrtime.bigint();
  for (let i = 0; i < iters; i++) fn();
  return Number(process.hrtime.bigint() - t) / iters / 1000;
}
for (const [name, text] of Object.entries(cases)) {
  const iters = text.length < 1e4 ? 50_000 : 300;
  const v = JSON.parse(text);
  const check = time(() => exceedsJsonDepth(v), iters * 4);
  const full = time(() => parseClientFrame(text), iters);
  console.log(
    `${name.padEnd(30)} ${String(text.length).padStart(8)} B  check ${check.toFixed(2).padStart(8)} us  parseClientFrame ${full.toFixed(1).padStart(8)} us  share ${((100 * check) / full).toFixed(1)}%`,
  );
}
