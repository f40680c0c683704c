/**
 * `LangGraphAgent`: runs a compiled LangGraph.js graph in-process as a Backchannel
 * agent and maps what it streams to AG-UI events.
 * @module
 */
import type { Interrupt, RunAgentInput, TokenUsage } from "@ag-ui/core";
import type { BaseMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { Command } from "@langchain/langgraph";
import type { Agent, AgentContext, AgentEvent } from "./agent-types.js";
import { isAbortError, LangGraphAgentError } from "./errors.js";
import { type GraphInterrupt, resumeMap, toAguiInterrupt } from "./interrupts.js";
import { toLangChainMessages } from "./message-convert.js";
import { MessageEvents } from "./message-events.js";
import { type BackchannelRunInfo, RUN_INFO_KEY } from "./run-config.js";
import { type StateProjection, StateSync } from "./state-sync.js";
import { StepEvents, type TaskEvent } from "./step-events.js";

/**
 * The part of a compiled LangGraph graph this agent uses. `StateGraph#compile()` and
 * `entrypoint()` results both fit.
 */
export interface RunnableGraph {
  stream(input: any, options?: any): Promise<AsyncIterable<unknown>>;
  getState(config: RunnableConfig): Promise<{
    values: unknown;
    tasks: ReadonlyArray<{ interrupts?: ReadonlyArray<GraphInterrupt> }>;
  }>;
  /** Set by `compile({ checkpointer })`. Needed for interrupts and for threads that outlive a run. */
  checkpointer?: unknown;
  /** The graph's state channels, used to accept only known keys of the client's state. */
  channels?: Record<string, unknown>;
}

/** Options of {@link LangGraphAgent}. */
export interface LangGraphAgentOptions {
  /** Agent name clients select it by (`run.agent`). */
  name: string;
  /** Shown to clients in `ready.agents` and `/health`. */
  description: string;
  /** A compiled graph: `new StateGraph(...)...compile({ checkpointer })`. */
  graph: RunnableGraph;
  /**
   * Which state keys the client sees (STATE_SNAPSHOT/STATE_DELTA). `messages` and
   * `__`-prefixed keys never do.
   * @default every other key
   */
  state?: StateProjection;
  /**
   * Whether the client's `RunAgentInput.state` is written into the graph's state at the
   * start of a run: `true` for every state channel the client can see (see `state`), a
   * list to allow only those keys, `false` to ignore client state. Keys hidden from the
   * client are never written from it, so server-only state stays server-only. Client
   * state is user input: validate it in your nodes.
   * @default true
   */
  acceptClientState?: boolean | readonly string[];
  /**
   * Extra LangGraph config per run (`configurable` entries, `recursionLimit`, `context`,
   * a `store`...). `thread_id`, the run info and the abort signal are set by the agent.
   */
  configure?: (input: RunAgentInput, ctx: AgentContext) => RunnableConfig | Promise<RunnableConfig>;
}

type StreamItem = [string[], string, unknown];

/** `{ usage }` for a terminal event when the models reported token counts, else nothing. */
function usage(messages: MessageEvents): { usage?: TokenUsage[] } {
  const entries = messages.usage();
  return entries.length > 0 ? { usage: entries } : {};
}

/**
 * Hosts a LangGraph.js graph. `threadId` becomes LangGraph's `thread_id`; with a
 * checkpointer the thread's state (and conversation) carries over between runs and only
 * messages the thread does not have yet are added.
 *
 * @example
 * export default [
 *   new LangGraphAgent({ name: "opshub-nav-agent", description: "Portfolio assistant", graph }),
 * ];
 */
export class LangGraphAgent implements Agent {
  readonly name: string;
  readonly description: string;
  private readonly options: LangGraphAgentOptions;

  constructor(options: LangGraphAgentOptions) {
    if (!options || typeof options.graph?.stream !== "function") {
      throw new TypeError(
        "LangGraphAgent needs { name, description, graph } with a compiled graph (graph.compile()).",
      );
    }
    this.name = options.name;
    this.description = options.description;
    this.options = options;
  }

  /** Runs the graph for one AG-UI run. */
  async *run(input: RunAgentInput, ctx: AgentContext): AsyncGenerator<AgentEvent> {
    const { threadId, runId } = input;
    yield { type: "RUN_STARTED", threadId, runId };
    const messages = new MessageEvents();
    const steps = new StepEvents();
    const state = new StateSync(this.options.state);
    const interrupts = new Map<string, Interrupt>();
    try {
      const config = await this.runConfig(input, ctx);
      const graphInput = input.resume?.length
        ? await this.resumeInput(input, config)
        : await this.freshInput(input, config);
      const stream = await this.options.graph.stream(graphInput, {
        ...config,
        streamMode: ["messages", "updates", "values", "tasks"],
        subgraphs: true,
        signal: ctx.signal,
      });
      for await (const item of stream) {
        const [namespace, mode, data] = item as StreamItem;
        if (mode === "messages") {
          const [message, metadata] = data as [BaseMessage, Record<string, unknown>];
          yield* messages.handle(message, metadata ?? {});
          continue;
        }
        // Steps, state and interrupts are the root graph's; a subgraph is one step of it.
        if (namespace.length > 0) continue;
        if (mode === "tasks") {
          const task = data as TaskEvent;
          if (!("input" in task)) yield* messages.close(`${task.name}:${task.id}`);
          yield* steps.handle(task);
        } else if (mode === "updates") {
          for (const i of ((data as Record<string, unknown>).__interrupt__ as GraphInterrupt[]) ?? []) {
            const mapped = toAguiInterrupt(i);
            interrupts.set(mapped.id, mapped);
          }
        } else if (mode === "values") {
          if (data && typeof data === "object" && "__interrupt__" in data) continue;
          yield* state.next(data);
        }
      }
    } catch (error) {
      yield* messages.close();
      if (isAbortError(error, ctx.signal)) return;
      const failed = steps.failedStep();
      const message = error instanceof Error ? error.message : String(error);
      ctx.logger.error({ err: error, step: failed }, "LangGraph run failed");
      yield {
        type: "RUN_ERROR",
        message: failed ? `Node "${failed}" failed: ${message}` : message,
        code: error instanceof LangGraphAgentError ? error.code : "graph_error",
        ...usage(messages),
      };
      return;
    }
    yield* messages.close();
    yield* steps.closeAll();
    if (interrupts.size > 0) {
      yield {
        type: "RUN_FINISHED",
        threadId,
        runId,
        outcome: { type: "interrupt", interrupts: [...interrupts.values()] },
        ...usage(messages),
      };
      return;
    }
    const pending = messages.unanswered(new Set((input.tools ?? []).map((t) => t.name)));
    yield {
      type: "RUN_FINISHED",
      threadId,
      runId,
      outcome: pending.length ? { type: "success", pendingToolCallIds: pending } : { type: "success" },
      ...usage(messages),
    };
  }

  private hasCheckpointer(): boolean {
    const c = this.options.graph.checkpointer;
    return typeof c === "object" && c !== null;
  }

  private async runConfig(input: RunAgentInput, ctx: AgentContext): Promise<RunnableConfig> {
    const extra = (await this.options.configure?.(input, ctx)) ?? {};
    const info: BackchannelRunInfo = {
      threadId: input.threadId,
      runId: input.runId,
      tools: input.tools ?? [],
      context: input.context ?? [],
      principal: { id: ctx.principal.id, kind: ctx.principal.kind },
      ...(input.forwardedProps !== undefined ? { forwardedProps: input.forwardedProps } : {}),
    };
    return {
      ...extra,
      configurable: { ...extra.configurable, thread_id: input.threadId, [RUN_INFO_KEY]: info },
    };
  }

  /** The input of a normal run: the client's state and the messages the thread lacks. */
  private async freshInput(input: RunAgentInput, config: RunnableConfig): Promise<Record<string, unknown>> {
    const graphInput = this.clientState(input.state);
    const channels = this.options.graph.channels;
    if (channels && !("messages" in channels)) return graphInput;
    let messages = toLangChainMessages(input.messages);
    if (this.hasCheckpointer()) {
      const snapshot = await this.options.graph.getState(config);
      const existing = (snapshot.values as { messages?: BaseMessage[] } | undefined)?.messages ?? [];
      const known = new Set(existing.map((m) => m.id).filter(Boolean));
      messages = messages.filter((m) => !m.id || !known.has(m.id));
    }
    graphInput.messages = messages;
    return graphInput;
  }

  /** The input of a run that answers interrupts: `Command({ resume })`. */
  private async resumeInput(input: RunAgentInput, config: RunnableConfig): Promise<Command> {
    if (!this.hasCheckpointer()) {
      throw new LangGraphAgentError(
        "resume_without_checkpointer",
        "This run carries `resume`, but the graph has no checkpointer to resume from. Compile it with { checkpointer }.",
      );
    }
    const snapshot = await this.options.graph.getState(config);
    const pending = snapshot.tasks.flatMap((t) => t.interrupts ?? []);
    return new Command({ resume: resumeMap(input.resume ?? [], pending) });
  }

  private clientState(state: unknown): Record<string, unknown> {
    const accept = this.options.acceptClientState ?? true;
    if (accept === false || !state || typeof state !== "object" || Array.isArray(state)) return {};
    const channels = this.options.graph.channels;
    const allowed = Array.isArray(accept) ? new Set<string>(accept) : undefined;
    const visible = this.options.state?.include ? new Set(this.options.state.include) : undefined;
    const hidden = new Set(this.options.state?.exclude ?? []);
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(state as Record<string, unknown>)) {
      if (key === "messages" || key.startsWith("__") || hidden.has(key)) continue;
      if (channels && !(key in channels)) continue;
      if (visible && !visible.has(key)) continue;
      if (allowed && !allowed.has(key)) continue;
      out[key] = value;
    }
    return out;
  }
}

/**
 * Factory form of {@link LangGraphAgent}.
 * @example
 * const agent = createLangGraphAgent({ name: "ops", description: "Ops assistant", graph });
 */
export function createLangGraphAgent(options: LangGraphAgentOptions): LangGraphAgent {
  return new LangGraphAgent(options);
}
