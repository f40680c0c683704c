/**
 * The `opshub-nav-agent` graph: the model answers; data tools run in a ToolNode; the
 * validations run one check per step in their own node, so the page's validation panel
 * (shared state `validation`) fills in live; the page's own tools end the run for the
 * browser to execute.
 * @module
 */
import { setTimeout as delay } from "node:timers/promises";
import { browserTools, contextMessage, isBrowserTool } from "@backchannel/langgraph";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage, ToolMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { Annotation, END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import type { Database } from "better-sqlite3";
import {
  CHECK_IDS,
  type CheckId,
  type CheckResult,
  checkInfo,
  runCheck,
  summarize,
} from "./portfolio/validations.js";
import { loadBook, loadIssuerLimits } from "./portfolio/valuation.js";
import { createTools, TOOL } from "./tools.js";

/** A check as the panel shows it while the run goes on. */
export type LiveCheck =
  | CheckResult
  | { id: CheckId; title: string; severity: "error" | "warning"; status: "pending" | "running" };

/** The shared state the page renders (`useCoAgent`): the latest validation run. */
export interface ValidationState {
  status: "running" | "complete";
  /** When this validation run started (ISO time). */
  startedAt: string;
  asOf: string;
  fund: string;
  checks: LiveCheck[];
  summary: { errors: number; warnings: number; passed: number } | null;
  flaggedTickers: string[];
  /** The model's `run_validations` call this run answers. */
  toolCallId: string;
}

export const OpsHubState = Annotation.Root({
  ...MessagesAnnotation.spec,
  // No default: until a run validates, the state has no `validation` key, so nothing is sent
  // and the page keeps showing the last results it has.
  validation: Annotation<ValidationState | undefined>(),
});
type State = typeof OpsHubState.State;

/** Instructions for hosted models (the offline model ignores them). */
export const SYSTEM_PROMPT = `You are the Portfolio Assistant in OpsHub, an investment operations tool, for the OpsHub Global Balanced Fund.
Answer from tool results only; never invent numbers. Be concise; use Markdown tables for lists of positions.
- run_validations: the pre-NAV checks. After it, call highlightHoldings with the flaggedTickers so the user sees the rows.
- get_holdings, get_exposures, get_nav, get_position: data about the book (values in USD, weights in % of NAV).
- filterHoldings, highlightHoldings, openPosition: change what the user sees in the holdings table. Use them when the user asks to show, filter, highlight or open something.
The page context tells you the table's current filter and the selected position.`;

/** Options of {@link createOpsHubGraph}. */
export interface OpsHubGraphOptions {
  db: Database;
  model: BaseChatModel;
  /** Pause after each validation check so the panel visibly fills in, in ms. @default 350 */
  checkDelayMs?: number;
}

function lastAI(messages: BaseMessage[]): AIMessage | undefined {
  return [...messages].reverse().find((m) => AIMessage.isInstance(m)) as AIMessage | undefined;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  delay(ms, undefined, signal ? { signal } : {});

/**
 * Builds and compiles the graph.
 * @example const graph = createOpsHubGraph({ db, model: new OfflineChatModel({ vocabulary }) });
 */
export function createOpsHubGraph(options: OpsHubGraphOptions) {
  const { db, model } = options;
  const checkDelayMs = options.checkDelayMs ?? 350;
  const tools = createTools(db);
  const serverNames = [...tools.data.map((t) => t.name), TOOL.validations];
  const toolNode = new ToolNode(tools.data);

  const agent = async (state: State, config: RunnableConfig) => {
    const bound = model.bindTools!([...tools.data, tools.validations, ...browserTools(config, serverNames)]);
    const system = contextMessage(config, SYSTEM_PROMPT);
    const reply = await bound.invoke(system ? [system, ...state.messages] : state.messages, config);
    return { messages: [reply] };
  };

  const runTools = async (state: State, config: RunnableConfig) => {
    const calls = (lastAI(state.messages)?.tool_calls ?? []).filter((c) => !isBrowserTool(config, c.name));
    const data = calls.filter((c) => c.name !== TOOL.validations);
    const validate = calls.find((c) => c.name === TOOL.validations);
    const update: Partial<State> = {};
    if (data.length) {
      const out = (await toolNode.invoke(
        { messages: [new AIMessage({ content: "", tool_calls: data })] },
        config,
      )) as {
        messages: BaseMessage[];
      };
      update.messages = out.messages;
    }
    if (validate) {
      const book = loadBook(db);
      const wanted = (validate.args?.checks as CheckId[] | undefined)?.filter((c) => CHECK_IDS.includes(c));
      const ids = wanted?.length ? wanted : [...CHECK_IDS];
      update.validation = {
        status: "running",
        startedAt: new Date().toISOString(),
        asOf: book.fund.asOf,
        fund: book.fund.name,
        checks: ids.map((id, i) => ({ id, ...checkInfo(id), status: i === 0 ? "running" : "pending" })),
        summary: null,
        flaggedTickers: [],
        toolCallId: validate.id ?? "run_validations",
      };
    }
    return update;
  };

  // One check per step: each step's state reaches the page as a STATE_DELTA.
  const validateStep = async (state: State, config: RunnableConfig) => {
    const v = state.validation!;
    const book = loadBook(db);
    const index = v.checks.findIndex((c) => c.status === "running" || c.status === "pending");
    await sleep(checkDelayMs, config.signal);
    const checks = [...v.checks];
    checks[index] = runCheck(checks[index]!.id, book, loadIssuerLimits(db));
    const next = checks[index + 1];
    if (next) {
      checks[index + 1] = { ...next, status: "running" } as LiveCheck;
      return { validation: { ...v, checks } };
    }
    const report = summarize(book, checks as CheckResult[]);
    return {
      validation: {
        ...v,
        checks,
        status: "complete" as const,
        summary: report.summary,
        flaggedTickers: report.flaggedTickers,
      },
      messages: [
        new ToolMessage({
          tool_call_id: v.toolCallId,
          name: TOOL.validations,
          content: JSON.stringify(report),
        }),
      ],
    };
  };

  const browserPending = (state: State, config: RunnableConfig) =>
    (lastAI(state.messages)?.tool_calls ?? []).some((c) => isBrowserTool(config, c.name));

  return new StateGraph(OpsHubState)
    .addNode("agent", agent)
    .addNode("tools", runTools)
    .addNode("validate", validateStep)
    .addEdge(START, "agent")
    .addConditionalEdges(
      "agent",
      (s: State, config: RunnableConfig) =>
        (lastAI(s.messages)?.tool_calls ?? []).some((c) => !isBrowserTool(config, c.name)) ? "tools" : END,
      ["tools", END],
    )
    .addConditionalEdges(
      "tools",
      (s: State, config: RunnableConfig) =>
        s.validation?.status === "running" ? "validate" : browserPending(s, config) ? END : "agent",
      ["validate", "agent", END],
    )
    .addConditionalEdges(
      "validate",
      (s: State, config: RunnableConfig) =>
        s.validation?.status === "running" ? "validate" : browserPending(s, config) ? END : "agent",
      ["validate", "agent", END],
    )
    .compile();
}
