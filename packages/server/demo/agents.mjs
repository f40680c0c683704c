// The demo agent behind `npm start`: no model, no key, just the protocol at work.
// It streams a Markdown answer token by token, shares a small piece of state, and honours cancel.

const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/** @type {import("@backchannel/server").Agent} */
const demo = {
  name: "demo",
  description: "Demo agent: streams a Markdown answer about your question, offline",
  async *run(input, { signal, principal }) {
    const last = [...input.messages].reverse().find((m) => m.role === "user");
    const question = typeof last?.content === "string" ? last.content : "(no question)";
    yield { type: "STATE_SNAPSHOT", snapshot: { questions: (input.state?.questions ?? 0) + 1 } };
    const answer =
      `You asked: **${question.slice(0, 200)}**\n\n` +
      `This reply comes from the Backchannel demo agent (caller: \`${principal.id}\`). It shows:\n\n` +
      "- token-by-token streaming over one WebSocket\n- per-run sequence numbers, so a dropped socket resumes without gaps\n" +
      "- cancel: send `cancel` and this stops at once\n\n" +
      "| feature | status |\n|---|---|\n| streaming | ✅ |\n| resume | ✅ |\n";
    const messageId = `msg-${input.runId}`;
    yield { type: "TEXT_MESSAGE_START", messageId, role: "assistant" };
    for (const token of answer.match(/\S+\s*|\s+/g) ?? []) {
      await sleep(25, signal);
      yield { type: "TEXT_MESSAGE_CONTENT", messageId, delta: token };
    }
    yield { type: "TEXT_MESSAGE_END", messageId };
  },
};

export default [demo];
