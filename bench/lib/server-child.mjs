/**
 * The IPC side of a benchmarked server process: announces its port, and answers the
 * orchestrator's `stats` requests with its own CPU time and memory (so CPU is measured in
 * the server process, never the load generator's).
 * @module
 */

/** Tells the parent the server listens on `port`, then serves `stats` requests until killed. */
export function serveStats(port, extra = () => ({})) {
  process.on("message", (msg) => {
    if (msg?.cmd !== "stats") return;
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
      ...extra(),
    });
  });
  process.on("disconnect", () => process.exit(0));
  process.send({ type: "listening", port });
}
