/**
 * The shapes the web app receives from the agent backend (types only: the data comes over
 * HTTP and the agent's shared state).
 * @module
 */
export type { LiveCheck, ValidationState } from "@/agent/graph";
export type { ExposureRow } from "@/agent/portfolio/exposures";
export type { NavPoint, NavSummary } from "@/agent/portfolio/nav";
export type { CheckResult, ValidationItem } from "@/agent/portfolio/validations";
export type { FundInfo, Holding } from "@/agent/portfolio/valuation";

/** The agent's shared state as the page sees it (`useCoAgent`). */
export interface AgentState {
  validation?: import("@/agent/graph").ValidationState;
  [key: string]: unknown;
}
