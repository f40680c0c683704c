/** The `copilotKit` option (CopilotKit's runtime routes). @module */

/** Options of the CopilotKit runtime binding (`copilotKit` in the runtime options). */
export interface CopilotKitBindingOptions {
  /**
   * The agent CopilotKit's `default` agent id maps to (CopilotKit's components use `default`
   * unless given `agent="..."`). @default the first agent
   */
  defaultAgent?: string;
}
