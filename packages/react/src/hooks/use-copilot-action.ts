/**
 * `useCopilotAction`: a tool the agent calls in the browser, and how its calls look in the chat.
 * @module
 */
import type { ToolCallContext } from "@backchannel/client";
import { type ReactNode, useEffect, useRef } from "react";
import { useCopilotStore } from "../provider/context.js";
import { type ActionParameter, parametersToJsonSchema } from "./action-parameters.js";

/**
 * Where a call is: `inProgress` while the model streams its arguments, `executing` while the
 * handler (or the user) works on it, `complete` once it has a result.
 */
export type ActionStatus = "inProgress" | "executing" | "complete";

/** What `render` receives. */
export interface ActionRenderProps<Args = Record<string, any>> {
  name: string;
  toolCallId: string;
  status: ActionStatus;
  /** The arguments; partial while `inProgress` (as much as has streamed and parses). */
  args: Partial<Args>;
  /** The tool message's content once `complete` (parsed as JSON when it is JSON). */
  result: unknown;
  /** Set when the call failed, was rejected or was cancelled. */
  error: string | undefined;
  /**
   * Present while `executing` a tool without a handler (`renderAndWaitForResponse`): answers
   * the call, and the run continues with `result`.
   */
  respond?: (result: unknown) => void;
  /** Like `respond`, but answers with an error the agent reads (the user rejected it). */
  fail?: (message: string) => void;
}

/** What `useCopilotAction` takes. */
export interface CopilotActionOptions<Args = Record<string, any>> {
  /** The name the agent calls it by. */
  name: string;
  /** What it does, for the model. */
  description?: string;
  /** CopilotKit-style list of parameters, or a JSON Schema object. */
  parameters?: readonly ActionParameter[] | Record<string, unknown>;
  /**
   * Runs the call in the browser; its return value is sent back to the agent, which then
   * continues. May be async. A throw is reported to the agent as an error.
   */
  handler?: (args: Args, context: ToolCallContext) => unknown;
  /** Draws the call in the chat (generative UI). A string is shown as is. */
  render?: string | ((props: ActionRenderProps<Args>) => ReactNode);
  /**
   * Human in the loop: draws the call and waits for the user; call `respond(result)` (or
   * `fail(reason)`) from the UI to let the run continue. Use instead of `handler`.
   */
  renderAndWaitForResponse?: (props: ActionRenderProps<Args>) => ReactNode;
  /** `"disabled"` hides the tool from the agent (e.g. while the page is not ready). @default "enabled" */
  available?: "enabled" | "disabled";
}

/** How the chat UI draws a tool call; stored beside the tool in the provider. */
export type ActionRenderer = (props: ActionRenderProps) => ReactNode;

/**
 * Offers a tool to the agent while the component is mounted.
 * @example
 * useCopilotAction({
 *   name: "approveTrade",
 *   description: "Ask the user to approve a trade",
 *   parameters: [{ name: "ticker", type: "string" }, { name: "qty", type: "number" }],
 *   renderAndWaitForResponse: ({ args, respond, status }) => (
 *     <TradeCard {...args} onApprove={() => respond?.("approved")} disabled={status !== "executing"} />
 *   ),
 * });
 */
export function useCopilotAction<Args = Record<string, any>>(options: CopilotActionOptions<Args>): void {
  const store = useCopilotStore("useCopilotAction()");
  const latest = useRef(options);
  latest.current = options;
  const { name, description = "", available = "enabled" } = options;
  const schema = JSON.stringify(parametersToJsonSchema(options.parameters));
  const hasHandler = options.handler !== undefined;
  const waits = options.renderAndWaitForResponse !== undefined;
  const hasRender = waits || options.render !== undefined;

  useEffect(() => {
    if (available === "disabled") return;
    if (hasHandler && waits) {
      throw new TypeError(
        `useCopilotAction("${name}"): give either handler or renderAndWaitForResponse, not both.`,
      );
    }
    const render: ActionRenderer | undefined = hasRender
      ? (props) => {
          const o = latest.current;
          const draw = o.renderAndWaitForResponse ?? o.render;
          if (typeof draw === "string") return draw;
          return draw ? draw(props as ActionRenderProps<Args>) : null;
        }
      : undefined;
    return store.registerTool({
      name,
      description,
      parameters: JSON.parse(schema),
      ...(hasHandler
        ? { handler: (args: unknown, ctx: ToolCallContext) => latest.current.handler?.(args as Args, ctx) }
        : {}),
      ...(render ? { render } : {}),
    });
  }, [store, name, description, schema, hasHandler, waits, hasRender, available]);
}
