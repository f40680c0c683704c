// A LangGraph agent served by Backchannel:
//
//   OPENAI_API_KEY=sk-... AGENT_API_KEY=dev-key npx backchannel serve ./agents.mjs
//   (or OPENAI_BASE_URL=http://localhost:11434/v1 OPENAI_MODEL=llama3.1 for Ollama,
//    or ANTHROPIC_API_KEY=... for Claude)
//
// The graph answers questions about funds, looks NAVs up with a server tool, can call
// the browser's tools (RunAgentInput.tools), sees the page's readable context, and keeps
// each thread's conversation in memory between runs.
import { createChatGraph, createChatModelFromEnv, LangGraphAgent } from "@backchannel/langgraph";
import { tool } from "@langchain/core/tools";
import { MemorySaver } from "@langchain/langgraph";
import { z } from "zod";

const NAVS = { "Alpha Growth": 101.52, "Beta Income": 48.07 };

const getNav = tool(
  async ({ fund }) => (fund in NAVS ? `${fund}: NAV ${NAVS[fund]} USD` : `No fund called "${fund}"`),
  {
    name: "get_nav",
    description: "Latest net asset value of a fund, by fund name",
    schema: z.object({ fund: z.string().describe("The fund's name, e.g. Alpha Growth") }),
  },
);

const model = createChatModelFromEnv();
if (!model) {
  throw new Error(
    "Set OPENAI_API_KEY (or OPENAI_BASE_URL and OPENAI_MODEL) or ANTHROPIC_API_KEY to pick a model.",
  );
}

const graph = createChatGraph({
  model,
  tools: [getNav],
  systemPrompt: "You are OpsHub's assistant for investment operations. Be brief and precise.",
  checkpointer: new MemorySaver(),
});

export default [
  new LangGraphAgent({
    name: "opshub-nav-agent",
    description: "AI assistant for investment operations and portfolio analysis",
    graph,
  }),
];
