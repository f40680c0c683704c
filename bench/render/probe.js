// Injected into every benchmark page before its scripts (playwright addInitScript): records
// long tasks, animation-frame times, keystroke-to-next-frame latencies in the chat box, and when
// the answer's first and last sentinels reach the DOM. Plain browser JS; no imports.
(() => {
  const b = {
    longtasks: [],
    frames: [],
    keys: [],
    firstAt: 0,
    lastAt: 0,
    first: "",
    last: "",
  };
  window.__bench = b;
  const wall = () => performance.timeOrigin + performance.now();
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) b.longtasks.push([e.startTime, e.duration]);
    }).observe({ type: "longtask", buffered: true });
  } catch {}
  const frame = (t) => {
    b.frames.push(t);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  // Keystroke to the paint that shows it: from the key event's timestamp to the end of the next
  // animation frame (a message posted from rAF runs after that frame's paint).
  let keyAt = 0;
  document.addEventListener(
    "keydown",
    (e) => {
      if (e.target instanceof HTMLTextAreaElement) keyAt = e.timeStamp;
    },
    true,
  );
  document.addEventListener(
    "input",
    (e) => {
      if (!(e.target instanceof HTMLTextAreaElement) || !keyAt) return;
      const from = keyAt;
      keyAt = 0;
      requestAnimationFrame(() => {
        const ch = new MessageChannel();
        ch.port1.onmessage = () => b.keys.push([from, performance.now() - from]);
        ch.port2.postMessage(0);
      });
    },
    true,
  );
  const seen = (node, word) => (node.textContent || "").includes(word);
  const watch = new MutationObserver((records) => {
    if (!b.first || (b.firstAt && b.lastAt)) return;
    for (const r of records) {
      const nodes = r.type === "characterData" ? [r.target] : r.addedNodes;
      for (const node of nodes) {
        if (!b.firstAt && seen(node, b.first)) b.firstAt = wall();
        if (!b.lastAt && seen(node, b.last)) b.lastAt = wall();
      }
    }
    if (b.lastAt && !b.firstAt) b.firstAt = b.lastAt;
  });
  const start = () => watch.observe(document.body, { subtree: true, childList: true, characterData: true });
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
