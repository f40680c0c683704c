import { CopilotKitSDK } from "@backchannel/server";

const shouter = {
  name: "shouter",
  description: "Answers in capitals, one word at a time",
  async *run(input, { signal }) {
    const text = String(input.messages.at(-1)?.content ?? "").toUpperCase();
    yield { type: "TEXT_MESSAGE_START", messageId: "m1", role: "assistant" };
    for (const word of text.split(/(?<=\s)/)) {
      if (signal.aborted) return;
      await new Promise((r) => setTimeout(r, 50));
      yield { type: "TEXT_MESSAGE_CONTENT", messageId: "m1", delta: word };
    }
    yield { type: "TEXT_MESSAGE_END", messageId: "m1" };
  },
};

const sdk = new CopilotKitSDK({
  agents: [shouter],
  auth: { apiKeys: process.env.AGENT_API_KEY ?? "dev-key" },
});
const { wsUrl } = await sdk.listen({ port: Number(process.env.PORT ?? 8000) });
console.log(`listening on ${wsUrl}`);
