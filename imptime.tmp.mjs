const t0 = performance.now();
await import("@backchannel/server");
const t1 = performance.now();
const { createRequire } = await import("node:module");
const loaded = Object.keys((await import("node:module")).default._cache ?? {});
console.log(
  JSON.stringify({
    ms: +(t1 - t0).toFixed(1),
    pg: loaded.some((p) => p.includes("/node_modules/pg/")),
    ioredis: loaded.some((p) => p.includes("/ioredis/")),
    sqlite: loaded.some((p) => p.includes("better-sqlite3")),
  }),
);
