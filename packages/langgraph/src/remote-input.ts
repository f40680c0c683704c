import type { RunAgentInput } from "@ag-ui/core";

/**
 * The RunAgentInput a remote AG-UI endpoint gets: every field AG-UI servers require is present.
 *
 * AG-UI's TypeScript schema lets a client leave out `state`, `tools`, `context` and
 * `forwardedProps`, and our clients do; the Python SDK's pydantic `RunAgentInput`
 * (`ag-ui-protocol` up to at least 0.1.20) requires all of them, so a Python agent
 * (`ag-ui-langgraph`, or a FastAPI endpoint on `ag_ui.core`) answers such a body with HTTP 422.
 * Missing ones become their empty values; values the client did send are kept as they are.
 * @example
 * completeRunInput({ threadId: "t", runId: "r", messages: [] } as RunAgentInput)
 * // { threadId: "t", runId: "r", state: {}, messages: [], tools: [], context: [], forwardedProps: {} }
 */
export function completeRunInput(input: RunAgentInput): RunAgentInput {
  return {
    ...input,
    threadId: input.threadId,
    runId: input.runId,
    state: input.state ?? {},
    messages: input.messages ?? [],
    tools: input.tools ?? [],
    context: input.context ?? [],
    forwardedProps: input.forwardedProps ?? {},
  };
}
