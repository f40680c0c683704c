// The paced "streamer" agent of the multi-process tests (node-server.mjs, the OpsHub nodes of the
// rolling-restart test). BC_DEFAULT_COUNT / BC_DEFAULT_DELAY_MS apply without forwardedProps.

// An abortable pause that removes its abort listener when it ends: one runs per token, and a
// listener left behind per token piles up on the run's signal (MaxListenersExceededWarning).
const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/** Streams `count` tokens "t0 t1 ..." with `delayMs` between them (forwardedProps). */
export const streamer = {
  name: "streamer",
  description: "Streams numbered tokens",
  async *run(input, ctx) {
    // Defaults from the environment: a browser (whose chat sends no forwardedProps) gets a paced answer.
    const count = input.forwardedProps?.count ?? Number(process.env.BC_DEFAULT_COUNT ?? 5);
    const delayMs = input.forwardedProps?.delayMs ?? Number(process.env.BC_DEFAULT_DELAY_MS ?? 0);
    const messageId = `msg-${input.runId}`;
    yield { type: "TEXT_MESSAGE_START", messageId, role: "assistant" };
    for (let i = 0; i < count; i++) {
      if (delayMs) await sleep(delayMs, ctx.signal);
      yield { type: "TEXT_MESSAGE_CONTENT", messageId, delta: `t${i} ` };
    }
    yield { type: "TEXT_MESSAGE_END", messageId };
    yield { type: "STATE_SNAPSHOT", snapshot: { tokens: count, node: process.env.BC_NODE_ID ?? "" } };
  },
};
