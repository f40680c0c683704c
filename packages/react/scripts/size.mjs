#!/usr/bin/env node
/**
 * Bundle-size check for @backchannel/react: bundles the package (with @backchannel/client,
 * markdown-to-jsx and everything else it pulls in) the way an app's bundler would, minified
 * ESM with react and react-dom external, and fails when the gzip size passes the budget.
 * Also measures a hooks-only import, to keep the UI tree-shakeable.
 *
 * Code behind a dynamic `import()` (the HTTP/SSE transport, loaded only when a client uses it)
 * is split into its own chunk, as every app bundler (Vite, webpack, Next.js) does. The budget
 * counts what a page loads up front: the entry and the chunks it imports statically. Lazy
 * chunks are listed separately.
 *
 * Usage: node packages/react/scripts/size.mjs [--json]
 */
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

/** Budgets in gzip bytes. Raise them only with a reason in the commit message. */
const BUDGETS = {
  "everything (provider, hooks, UI)": 45 * 1024,
  "hooks only (no UI, no Markdown)": 26 * 1024,
};

const ENTRIES = {
  "everything (provider, hooks, UI)": "export * from '@backchannel/react';",
  "hooks only (no UI, no Markdown)":
    "export { CopilotKit, useCopilotChat, useCopilotReadable, useCopilotAction, useCoAgent } from '@backchannel/react';",
};

const root = fileURLToPath(new URL("../../..", import.meta.url));

async function measure(contents) {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: "js", sourcefile: "entry.js" },
    bundle: true,
    splitting: true,
    outdir: "/size-check",
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    // Build from source, as the published dist would be (both are plain ESM).
    conditions: ["@backchannel/source"],
    external: ["react", "react-dom", "react/jsx-runtime", "react-dom/client"],
    metafile: true,
    logLevel: "silent",
  });
  const outputs = result.metafile.outputs;
  const files = new Map(result.outputFiles.map((f) => [f.path, f.contents]));
  const pathOf = (key) => [...files.keys()].find((p) => p.endsWith(key.replace(/^.*size-check/, "")));
  const entryKey = Object.keys(outputs).find((key) => outputs[key].entryPoint !== undefined);
  // Up front: the entry and whatever it imports statically, transitively.
  const initial = new Set([entryKey]);
  for (const key of initial) {
    for (const imp of outputs[key].imports) {
      if (imp.kind === "import-statement" && !imp.external) initial.add(imp.path);
    }
  }
  const gzip = (keys) =>
    keys.reduce((n, key) => n + gzipSync(files.get(pathOf(key)), { level: 9 }).length, 0);
  const minified = (keys) => keys.reduce((n, key) => n + files.get(pathOf(key)).length, 0);
  const inputs = {};
  for (const key of initial) {
    for (const [file, info] of Object.entries(outputs[key].inputs)) {
      const name = file.replace(/^.*node_modules\//, "").replace(/^packages\//, "@backchannel/");
      const pkg = name.startsWith("@") ? name.split("/").slice(0, 2).join("/") : name.split("/")[0];
      inputs[pkg] = (inputs[pkg] ?? 0) + info.bytesInOutput;
    }
  }
  const lazyKeys = Object.keys(outputs).filter((key) => !initial.has(key) && !key.endsWith(".map"));
  const lazy = lazyKeys.map((key) => ({
    chunk: key.replace(/^.*size-check\//, ""),
    gzip: gzip([key]),
    sources: Object.keys(outputs[key].inputs).map((f) => f.replace(/^.*packages\//, "")),
  }));
  return { minified: minified([...initial]), gzip: gzip([...initial]), inputs, lazy };
}

const rows = [];
let failed = false;
for (const [name, contents] of Object.entries(ENTRIES)) {
  const size = await measure(contents);
  const budget = BUDGETS[name];
  const over = size.gzip > budget;
  failed ||= over;
  rows.push({ name, ...size, budget, over });
}

if (process.argv.includes("--json")) {
  console.log(JSON.stringify(rows, null, 2));
} else {
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  for (const row of rows) {
    console.log(
      `${row.over ? "FAIL" : "ok  "} @backchannel/react ${row.name}: ${kb(row.gzip)} gzip (${kb(row.minified)} minified), budget ${kb(row.budget)}`,
    );
    const parts = Object.entries(row.inputs).sort((a, b) => b[1] - a[1]);
    for (const [pkg, bytes] of parts) console.log(`       ${pkg.padEnd(34)} ${kb(bytes)} minified`);
    for (const chunk of row.lazy) {
      console.log(`       lazy chunk (loaded on use): ${kb(chunk.gzip)} gzip: ${chunk.sources.join(", ")}`);
    }
  }
}
if (failed) {
  console.error(
    "\nBundle over budget. Find what grew (the per-package list above), trim it, or raise the budget in packages/react/scripts/size.mjs with a reason.",
  );
  process.exit(1);
}
