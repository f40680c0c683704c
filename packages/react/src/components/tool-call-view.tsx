/**
 * A tool call in the chat: the app's own renderer (`useCopilotAction({ render })`) when there
 * is one, else a compact card that shows the call while it runs and its result when done.
 * @module
 */
import type { Message, ToolCall } from "@ag-ui/core";
import type { PendingToolCall } from "@backchannel/client";
import { parse as parsePartial } from "partial-json";
import { memo, type ReactNode } from "react";
import type { ActionRenderer, ActionStatus } from "../hooks/use-copilot-action.js";
import { CheckIcon, ToolIcon } from "./icons.js";

type ToolMessage = Extract<Message, { role: "tool" }>;

/** Props of `ToolCallView`. */
export interface ToolCallViewProps {
  call: ToolCall;
  /** The `tool` message answering the call, once there is one. */
  result: ToolMessage | undefined;
  status: ActionStatus;
  /** Set while a client tool without a handler waits for the UI's answer. */
  pending: PendingToolCall | undefined;
  /** The app's renderer for this tool, if it registered one. */
  render: ActionRenderer | undefined;
}

function parseArgs(text: string): Record<string, any> {
  if (text.trim() === "") return {};
  try {
    const value = parsePartial(text);
    return value && typeof value === "object" ? value : {};
  } catch {
    return {};
  }
}

function parseResult(content: unknown): unknown {
  if (typeof content !== "string") return content;
  try {
    return JSON.parse(content);
  } catch {
    return content;
  }
}

function humanize(name: string): string {
  const spaced = name
    .replace(/[_-]+/g, " ")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .trim();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1).toLowerCase();
}

function preview(value: unknown, max = 600): string {
  const text = typeof value === "string" ? value : JSON.stringify(value, null, 2);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Draws one tool call. Memoised: it re-renders only when its call, result or status changes. */
export const ToolCallView = memo(function ToolCallView(props: ToolCallViewProps): ReactNode {
  const { call, result, status, pending, render } = props;
  const args = parseArgs(call.function.arguments);
  if (render) {
    const Render = render;
    return (
      <div className="bc-tool-render" data-status={status}>
        {/* A component, not a function call: the app's renderer may use hooks. */}
        <Render
          name={call.function.name}
          toolCallId={call.id}
          status={status}
          args={args}
          result={result ? parseResult(result.content) : undefined}
          error={result?.error}
          {...(pending ? { respond: pending.respond, fail: pending.fail } : {})}
        />
      </div>
    );
  }
  // A call the run never answered because it was stopped is cancelled, not broken.
  const cancelled = result?.error === "cancelled";
  const failed = result?.error !== undefined && !cancelled;
  const statusText =
    status === "complete"
      ? cancelled
        ? "Cancelled"
        : failed
          ? "Failed"
          : "Done"
      : pending
        ? "Waiting for you"
        : "Running…";
  return (
    <details className="bc-tool" data-status={cancelled ? "cancelled" : failed ? "failed" : status}>
      <summary>
        <span className="bc-tool-icon">
          {status === "complete" && !failed && !cancelled ? <CheckIcon /> : <ToolIcon />}
        </span>
        <span className="bc-tool-name">{humanize(call.function.name)}</span>
        <span className="bc-tool-status">
          {status !== "complete" && <span className="bc-spinner" aria-hidden="true" />}
          {statusText}
        </span>
      </summary>
      <div className="bc-tool-body">
        {call.function.arguments.trim() !== "" && <pre className="bc-tool-args">{preview(args)}</pre>}
        {result && <pre className="bc-tool-result">{preview(parseResult(result.content))}</pre>}
      </div>
    </details>
  );
});
