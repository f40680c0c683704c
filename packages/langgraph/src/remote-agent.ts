/**
 * `RemoteAgent`: forwards a run to an AG-UI HTTP endpoint elsewhere (for example a
 * Python LangGraph agent served by `ag-ui-langgraph`, or any AG-UI server) and relays
 * its event stream, so an existing agent can sit behind the Backchannel runtime. The body
 * is a complete RunAgentInput (see `completeRunInput`), as strict servers require.
 * @module
 */
import type { RunAgentInput } from "@ag-ui/core";
import type { Agent, AgentContext, AgentEvent } from "./agent-types.js";
import { isAbortError, RemoteAgentError } from "./errors.js";
import { completeRunInput } from "./remote-input.js";
import { readSseEvents } from "./sse-events.js";

/** Headers for the remote request, fixed or computed per run (to forward who is asking, say). */
export type RemoteHeaders =
  | Record<string, string>
  | ((input: RunAgentInput, ctx: AgentContext) => Record<string, string> | Promise<Record<string, string>>);

/** Options of {@link RemoteAgent}. */
export interface RemoteAgentOptions {
  /** Agent name clients select it by. */
  name: string;
  /** Shown to clients in `ready.agents` and `/health`. */
  description: string;
  /** The endpoint that takes `POST` RunAgentInput and answers with an AG-UI SSE stream. */
  url: string;
  /** Sent with every request, e.g. `{ authorization: "Bearer ..." }`. Never logged. */
  headers?: RemoteHeaders;
  /** Give up if the endpoint has not answered with headers after this many ms. @default 30000 */
  connectTimeoutMs?: number;
  /** Give up if the stream stays silent this long between events. @default 300000 */
  idleTimeoutMs?: number;
  /**
   * Largest single SSE event accepted, in characters (its data, event and id; while it
   * streams, also its unfinished line). Checked as it arrives, so an endless event fails
   * once it passes this, not when memory runs out. @default 8388608 (8 Mi)
   */
  maxEventBytes?: number;
  /** The fetch implementation (a proxy-aware one, or a test double). @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** Defaults of {@link RemoteAgentOptions}. */
export const REMOTE_AGENT_DEFAULTS = {
  connectTimeoutMs: 30_000,
  idleTimeoutMs: 300_000,
  maxEventBytes: 8 * 1024 * 1024,
} as const;

/** The endpoint without query or credentials, safe for messages and logs. */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return "(invalid url)";
  }
}

/**
 * An agent whose runs execute on a remote AG-UI endpoint. Cancelling the run aborts
 * the request, which closes the connection so the remote can stop too. Transport
 * failures throw {@link RemoteAgentError}; the runtime turns them into RUN_ERROR with
 * the error's `code`. A RUN_ERROR from the remote is relayed as is.
 *
 * @example
 * new RemoteAgent({
 *   name: "research",
 *   description: "Python research agent",
 *   url: "http://agents.internal:8000/research",
 *   headers: { authorization: `Bearer ${process.env.AGENTS_TOKEN}` },
 * });
 */
export class RemoteAgent implements Agent {
  readonly name: string;
  readonly description: string;
  private readonly options: RemoteAgentOptions;
  private readonly where: string;

  constructor(options: RemoteAgentOptions) {
    try {
      const protocol = new URL(options.url).protocol;
      if (protocol !== "http:" && protocol !== "https:") throw new Error(protocol);
    } catch {
      throw new TypeError(`RemoteAgent "${options.name}": url must be an http(s) URL.`);
    }
    this.name = options.name;
    this.description = options.description;
    this.options = options;
    this.where = describeUrl(options.url);
  }

  /** Forwards one run and relays the remote's events. */
  async *run(input: RunAgentInput, ctx: AgentContext): AsyncGenerator<AgentEvent> {
    const { connectTimeoutMs, idleTimeoutMs, maxEventBytes } = { ...REMOTE_AGENT_DEFAULTS, ...this.options };
    const headers =
      typeof this.options.headers === "function"
        ? await this.options.headers(input, ctx)
        : (this.options.headers ?? {});
    const connect = new AbortController();
    const timer = setTimeout(() => connect.abort(), connectTimeoutMs);
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(this.options.url, {
        method: "POST",
        headers: {
          // The run's W3C trace context, so the remote agent's spans join the caller's trace.
          ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
          ...(ctx.tracestate ? { tracestate: ctx.tracestate } : {}),
          ...headers,
          "content-type": "application/json",
          accept: "text/event-stream",
        },
        body: JSON.stringify(completeRunInput(input)),
        signal: AbortSignal.any([ctx.signal, connect.signal]),
      });
    } catch (error) {
      if (ctx.signal.aborted) return;
      const reason = connect.signal.aborted
        ? `no response within ${connectTimeoutMs} ms (connectTimeoutMs)`
        : ((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message);
      throw new RemoteAgentError(
        "remote_unreachable",
        `Remote agent at ${this.where} unreachable: ${reason}.`,
        {
          cause: error,
        },
      );
    } finally {
      clearTimeout(timer);
    }

    if (!response.ok) {
      const detail = (await response.text().catch(() => "")).slice(0, 300).trim();
      throw new RemoteAgentError(
        "remote_http_error",
        `Remote agent at ${this.where} answered HTTP ${response.status}${detail ? `: ${detail}` : ""}.`,
        { status: response.status },
      );
    }
    const type = response.headers.get("content-type") ?? "";
    if (!type.startsWith("text/event-stream") || !response.body) {
      await response.body?.cancel().catch(() => {});
      throw new RemoteAgentError(
        "remote_bad_response",
        `Remote agent at ${this.where} answered with "${type || "no content type"}", not text/event-stream. Is the url an AG-UI endpoint?`,
      );
    }

    const open = new OpenItems();
    try {
      for await (const message of readSseEvents(response.body, { maxEventBytes, idleTimeoutMs })) {
        if (message.data === "") continue;
        const event = this.parse(message.data, input);
        if (event.type === "RUN_ERROR") {
          yield* open.close();
          yield event;
          return;
        }
        open.track(event);
        yield event;
        if (event.type === "RUN_FINISHED") return;
      }
    } catch (error) {
      if (isAbortError(error, ctx.signal)) return;
      throw error;
    }
    if (ctx.signal.aborted) return;
    throw new RemoteAgentError(
      "remote_incomplete",
      `The stream from ${this.where} ended before RUN_FINISHED or RUN_ERROR.`,
    );
  }

  private parse(data: string, input: RunAgentInput): AgentEvent & Record<string, unknown> {
    let value: unknown;
    try {
      value = JSON.parse(data);
    } catch {
      throw new RemoteAgentError(
        "remote_bad_event",
        `Remote agent at ${this.where} sent an event that is not JSON.`,
      );
    }
    if (
      typeof value !== "object" ||
      value === null ||
      typeof (value as { type?: unknown }).type !== "string"
    ) {
      throw new RemoteAgentError(
        "remote_bad_event",
        `Remote agent at ${this.where} sent an event without a string "type".`,
      );
    }
    const event = value as AgentEvent & Record<string, unknown>;
    // The run is ours: lifecycle events carry our ids whatever the remote echoed.
    if (event.type === "RUN_STARTED" || event.type === "RUN_FINISHED") {
      return { ...event, threadId: input.threadId, runId: input.runId };
    }
    return event;
  }
}

/** Text messages and tool calls the remote opened and has not closed yet. */
class OpenItems {
  private readonly text = new Set<string>();
  private readonly calls = new Set<string>();

  track(event: Record<string, unknown>): void {
    const id = (event.messageId ?? event.toolCallId) as string;
    if (event.type === "TEXT_MESSAGE_START") this.text.add(id);
    else if (event.type === "TEXT_MESSAGE_END") this.text.delete(id);
    else if (event.type === "TOOL_CALL_START") this.calls.add(id);
    else if (event.type === "TOOL_CALL_END") this.calls.delete(id);
  }

  /** End events for everything still open, so a relayed RUN_ERROR leaves a well-formed stream. */
  close(): AgentEvent[] {
    const events: AgentEvent[] = [
      ...[...this.calls].map((toolCallId) => ({ type: "TOOL_CALL_END", toolCallId })),
      ...[...this.text].map((messageId) => ({ type: "TEXT_MESSAGE_END", messageId })),
    ];
    this.text.clear();
    this.calls.clear();
    return events;
  }
}

/**
 * Factory form of {@link RemoteAgent}.
 * @example
 * const agent = createRemoteAgent({ name: "py", description: "Python agent", url: "http://localhost:8000/" });
 */
export function createRemoteAgent(options: RemoteAgentOptions): RemoteAgent {
  return new RemoteAgent(options);
}
