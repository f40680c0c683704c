#!/usr/bin/env node
/**
 * Client fold and render benchmark: how much a streamed answer costs on the client.
 *
 * 1. Fold: N text deltas folded into a transcript of earlier messages, with a snapshot every
 *    16 deltas (one per animation frame at ~1000 deltas/s). Cost per delta must stay flat as N
 *    grows: O(delta), never a copy of the message or the transcript.
 * 2. Render: a 10,000-delta Markdown answer rendered by React (react-dom in happy-dom), one
 *    commit per frame, with @backchannel/react's block-memoised <Markdown> versus parsing the
 *    whole answer every frame.
 *
 * Usage: npm run bench:fold [-- --json] [-- --fold-only]
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const json = process.argv.includes("--json");
const foldOnly = process.argv.includes("--fold-only");
const DELTAS_PER_FRAME = 16;

// Bundle the TypeScript sources once (no build step needed), React left external. The bundle
// goes under node_modules so that its imports of react resolve to the workspace's copy.
mkdirSync(join(root, "node_modules/.cache"), { recursive: true });
const dir = mkdtempSync(join(root, "node_modules/.cache/bc-fold-bench-"));
const outfile = join(dir, "entry.mjs");
await build({
  stdin: {
    contents: `
      export { createFoldState, foldEvent, foldSnapshot } from "@backchannel/client";
      export { AssistantMessage } from "@backchannel/react";
      export { compiler } from "markdown-to-jsx";
    `,
    resolveDir: join(root, "packages/react"),
    loader: "js",
  },
  bundle: true,
  format: "esm",
  platform: "node",
  conditions: ["@backchannel/source"],
  external: ["react", "react-dom", "react/jsx-runtime", "happy-dom"],
  outfile,
  logLevel: "silent",
});
const lib = await import(pathToFileURL(outfile).href);
rmSync(dir, { recursive: true, force: true });

const ms = (ns) => Number(ns) / 1e6;
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

/** A long, realistic answer: paragraphs, lists, a table and code, cut into ~6-character deltas. */
function answerDeltas(count) {
  const sections = [
    "## Exposure by sector\n\nThe portfolio is **overweight technology** relative to the benchmark, mostly through `ACME` and `GLOBEX`.\n\n",
    "- Technology: 31.4% (benchmark 24.0%)\n- Healthcare: 12.2%\n- Financials: 9.8%\n\n",
    "| Fund | NAV | Change |\n| --- | --- | --- |\n| Alpha | 101.52 | +0.4% |\n| Beta | 98.20 | -1.1% |\n\n",
    "```ts\nconst exposure = holdings.reduce((sum, h) => sum + h.weight, 0);\n```\n\n",
  ];
  const deltas = [];
  let i = 0;
  while (deltas.length < count) {
    const text = sections[i++ % sections.length];
    for (let j = 0; j < text.length && deltas.length < count; j += 6) deltas.push(text.slice(j, j + 6));
  }
  return deltas;
}

function history(count) {
  return Array.from({ length: count }, (_, i) => ({
    id: `h${i}`,
    role: i % 2 ? "assistant" : "user",
    content: `Earlier message ${i} `.repeat(20),
  }));
}

/**
 * `content`: TEXT_MESSAGE_START then TEXT_MESSAGE_CONTENT deltas. `chunk`: TEXT_MESSAGE_CHUNK
 * deltas without ids (one stream continued by AG-UI's chunk rules, the path of agents that do
 * not name their messages).
 */
function benchFold(deltaCount, kind = "content") {
  const fold = lib.createFoldState({ messages: history(200) });
  const deltas = answerDeltas(deltaCount);
  const events =
    kind === "chunk"
      ? deltas.map((delta) => ({ type: "TEXT_MESSAGE_CHUNK", delta }))
      : deltas.map((delta) => ({ type: "TEXT_MESSAGE_CONTENT", messageId: "answer", delta }));
  lib.foldEvent(fold, { type: "RUN_STARTED", threadId: "t", runId: "r" });
  if (kind === "content") {
    lib.foldEvent(fold, { type: "TEXT_MESSAGE_START", messageId: "answer", role: "assistant" });
  }
  const start = process.hrtime.bigint();
  for (let i = 0; i < events.length; i++) {
    lib.foldEvent(fold, events[i]);
    if (i % DELTAS_PER_FRAME === DELTAS_PER_FRAME - 1) lib.foldSnapshot(fold);
  }
  const snap = lib.foldSnapshot(fold);
  const total = ms(process.hrtime.bigint() - start);
  if (snap.messages.length !== 201) throw new Error("fold produced the wrong transcript");
  return { kind, deltas: deltaCount, totalMs: total, nsPerDelta: (total * 1e6) / deltaCount };
}

async function benchRender(deltaCount, mode) {
  const { Window } = await import("happy-dom");
  const window = new Window();
  Object.assign(globalThis, { window, document: window.document, navigator: window.navigator });
  globalThis.IS_REACT_ACT_ENVIRONMENT = false;
  const React = await import("react");
  const { createRoot } = await import("react-dom/client");
  const { flushSync } = await import("react-dom");
  const container = window.document.createElement("div");
  window.document.body.appendChild(container);
  const root = createRoot(container);

  // The naive renderer parses the whole answer every frame, as most chat UIs do.
  const Naive = ({ text }) =>
    React.createElement("div", null, lib.compiler(text, { disableParsingRawHTML: true, wrapper: null }));
  const fold = lib.createFoldState();
  lib.foldEvent(fold, { type: "RUN_STARTED", threadId: "t", runId: "r" });
  lib.foldEvent(fold, { type: "TEXT_MESSAGE_START", messageId: "answer", role: "assistant" });
  const deltas = answerDeltas(deltaCount);
  const frames = [];
  const start = process.hrtime.bigint();
  for (let i = 0; i < deltas.length; i++) {
    lib.foldEvent(fold, { type: "TEXT_MESSAGE_CONTENT", messageId: "answer", delta: deltas[i] });
    if (i % DELTAS_PER_FRAME !== DELTAS_PER_FRAME - 1 && i !== deltas.length - 1) continue;
    const message = lib.foldSnapshot(fold).messages[0];
    const t0 = process.hrtime.bigint();
    flushSync(() =>
      root.render(
        mode === "blocks"
          ? React.createElement(lib.AssistantMessage, { message, isStreaming: true })
          : React.createElement(Naive, { text: message.content }),
      ),
    );
    frames.push(ms(process.hrtime.bigint() - t0));
  }
  const total = ms(process.hrtime.bigint() - start);
  const tables = container.querySelectorAll("table").length;
  root.unmount();
  await window.happyDOM.close();
  return {
    mode,
    deltas: deltaCount,
    chars: deltas.join("").length,
    frames: frames.length,
    totalMs: total,
    p50FrameMs: percentile(frames, 50),
    p95FrameMs: percentile(frames, 95),
    lastFrameMs: frames.at(-1),
    tables,
  };
}

benchFold(20_000); // JIT warm-up
benchFold(20_000, "chunk");
// The machine is shared: take the median of several runs of each size.
const fold = ["content", "chunk"].flatMap((kind) =>
  [1_000, 10_000, 50_000].map((n) => {
    const runs = Array.from({ length: 7 }, () => benchFold(n, kind)).sort((a, b) => a.totalMs - b.totalMs);
    return runs[3];
  }),
);
// Warm up the JIT and React before measuring (skipped with --fold-only).
const render = [];
if (!foldOnly) {
  await benchRender(500, "blocks");
  render.push(await benchRender(10_000, "blocks"), await benchRender(10_000, "whole"));
}

if (json) {
  console.log(JSON.stringify({ fold, render }, null, 2));
} else {
  console.log(
    "Client fold (text deltas into a 200-message transcript, a snapshot every 16 deltas; median of 7)",
  );
  for (const r of fold) {
    console.log(
      `  ${r.kind.padEnd(7)} ${String(r.deltas).padStart(6)} deltas: ${r.totalMs.toFixed(1).padStart(7)} ms total, ${r.nsPerDelta.toFixed(0).padStart(5)} ns/delta`,
    );
  }
  if (render.length)
    console.log("\nRender (React in happy-dom, one commit per 16 deltas, 10,000-delta Markdown answer)");
  for (const r of render) {
    const label = r.mode === "blocks" ? "<Markdown> (block-memoised)" : "whole answer re-parsed";
    console.log(
      `  ${label.padEnd(28)} ${r.frames} frames, ${r.totalMs.toFixed(0).padStart(6)} ms total, frame p50 ${r.p50FrameMs.toFixed(2)} ms, p95 ${r.p95FrameMs.toFixed(2)} ms, last ${r.lastFrameMs.toFixed(2)} ms (${r.chars} chars)`,
    );
  }
}
