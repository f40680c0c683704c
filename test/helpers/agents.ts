/** Agents used by the server tests. Plain objects, as users would write them. */

/** Waits `ms`, or rejects when `signal` aborts; never leaves its abort listener behind. */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/** Streams `count` tokens "t0 t1 ..." with `delayMs` between them. Reads count/delay from forwardedProps. */
export const streamer = {
  name: "streamer",
  description: "Streams numbered tokens",
  async *run(input: any, ctx: any) {
    const count = input.forwardedProps?.count ?? 5;
    const delayMs = input.forwardedProps?.delayMs ?? 0;
    const messageId = `msg-${input.runId}`;
    yield { type: "TEXT_MESSAGE_START", messageId, role: "assistant" };
    for (let i = 0; i < count; i++) {
      if (delayMs) await sleep(delayMs, ctx.signal);
      yield { type: "TEXT_MESSAGE_CONTENT", messageId, delta: `t${i} ` };
    }
    yield { type: "TEXT_MESSAGE_END", messageId };
  },
};

/** Throws after one token. */
export const thrower = {
  name: "thrower",
  description: "Fails mid-run",
  async *run(input: any) {
    yield { type: "TEXT_MESSAGE_START", messageId: `m-${input.runId}`, role: "assistant" };
    yield { type: "TEXT_MESSAGE_CONTENT", messageId: `m-${input.runId}`, delta: "partial" };
    throw new Error("model exploded");
  },
};

/** Emits an event that is not valid AG-UI. */
export const invalid = {
  name: "invalid",
  description: "Emits garbage",
  async *run() {
    yield { type: "TEXT_MESSAGE_CONTENT", delta: 42 };
  },
};

/** Echoes who is calling, and records the signal for cancel tests. */
export const whoami = {
  name: "whoami",
  description: "Says who you are",
  lastSignal: undefined as AbortSignal | undefined,
  async *run(input: any, ctx: any) {
    whoami.lastSignal = ctx.signal;
    yield { type: "TEXT_MESSAGE_START", messageId: `m-${input.runId}`, role: "assistant" };
    yield {
      type: "TEXT_MESSAGE_CONTENT",
      messageId: `m-${input.runId}`,
      delta: `${ctx.principal.kind}:${ctx.principal.id}`,
    };
    yield { type: "TEXT_MESSAGE_END", messageId: `m-${input.runId}` };
  },
};

/** Hangs until aborted, ignoring iterator.return (like a model call without a signal). */
export const hanger = {
  name: "hanger",
  description: "Waits forever unless cancelled",
  aborted: 0,
  async *run(_input: any, ctx: any) {
    yield { type: "STEP_STARTED", stepName: "wait" };
    await new Promise<void>((resolve) => {
      ctx.signal.addEventListener(
        "abort",
        () => {
          hanger.aborted++;
          resolve();
        },
        { once: true },
      );
    });
  },
};

/** Emits `count` CUSTOM events carrying `size` bytes each (frames that cannot be merged). */
export const flood = {
  name: "flood",
  description: "Emits large unmergeable events",
  async *run(input: any) {
    const count = input.forwardedProps?.count ?? 100;
    const payload = "y".repeat(input.forwardedProps?.size ?? 1024);
    for (let i = 0; i < count; i++) yield { type: "CUSTOM", name: "blob", value: { i, payload } };
  },
};

export const testAgents = [streamer, thrower, invalid, whoami, hanger, flood];
