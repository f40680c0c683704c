/**
 * The IPC side of a benchmarked server process: announces its port, and answers the
 * orchestrator's `stats` requests with its own CPU time and memory (so CPU is measured in
 * the server process, never the load generator's).
 * @module
 */

import { monitorEventLoopDelay, PerformanceObserver, performance } from "node:perf_hooks";

/** Tells the parent the server listens on `port`, then serves `stats` requests until killed. */
export function serveStats(port, extra = () => ({})) {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const gc = { count: 0, totalMs: 0, maxMs: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.count++;
      gc.totalMs += e.duration;
      gc.maxMs = Math.max(gc.maxMs, e.duration);
    }
  }).observe({ entryTypes: ["gc"] });
  process.on("message", (msg) => {
    if (msg?.cmd !== "stats") return;
    if (msg.reset) {
      loop.reset();
      Object.assign(gc, { count: 0, totalMs: 0, maxMs: 0 });
    }
    if (msg.gc && typeof globalThis.gc === "function") {
      // Twice: the first pass finalises, the second frees what finalisers released.
      globalThis.gc();
      globalThis.gc();
    }
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    process.send({
      type: "stats",
      id: msg.id,
      cpuMicros: cpu.user + cpu.system,
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      external: mem.external,
      // Cumulative event-loop utilization (idle vs busy time of the main thread).
      elu: performance.eventLoopUtilization(),
      loopDelayMs: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
      gc: { ...gc },
      ...extra(),
    });
  });
  process.on("disconnect", () => process.exit(0));
  process.send({ type: "listening", port });
}
