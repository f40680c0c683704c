/**
 * Decides the offline model's next move for an intent: which tools to call (server tools
 * first, for the data; then the page's tools, with what the data said), or, once every
 * result is in, the answer.
 * @module
 */
import type { ValidationReport } from "../portfolio/validations.js";
import { TOOL } from "../tools.js";
import {
  exposureAnswer,
  helpAnswer,
  holdingsAnswer,
  navAnswer,
  positionAnswer,
  validationAnswer,
} from "./answers.js";
import type { Intent } from "./intent.js";

/** The page's tools (registered by the OpsHub UI with `useCopilotAction`). */
export const BROWSER = {
  filter: "filterHoldings",
  highlight: "highlightHoldings",
  open: "openPosition",
} as const;

/** What happened so far in the current turn (since the last user message). */
export interface Turn {
  /** Tool name → its parsed result (the latest one). */
  results: Map<string, any>;
  /** Names of the tools this model may call. */
  tools: ReadonlySet<string>;
  /** Whether the answer should say it comes from the offline model. */
  offline: boolean;
}

/** A tool call to make. */
export interface PlannedCall {
  name: string;
  args: Record<string, unknown>;
}

/** The next move: call tools, or answer. */
export type Step = { calls: PlannedCall[] } | { text: string };

/** Calls `name` unless it already answered this turn (or isn't offered); undefined when nothing is left to call. */
function need(turn: Turn, name: string, args: Record<string, unknown>): Step | undefined {
  if (turn.results.has(name) || !turn.tools.has(name)) return undefined;
  return { calls: [{ name, args }] };
}

/** The step after `turn` for `intent`. Pure and deterministic. */
export function nextStep(intent: Intent, turn: Turn): Step {
  const r = turn.results;
  const done = (name: string) => (r.has(name) ? r.get(name) : undefined);
  switch (intent.kind) {
    case "validations": {
      const first = need(turn, TOOL.validations, intent.checks ? { checks: intent.checks } : {});
      if (first) return first;
      const report = done(TOOL.validations) as ValidationReport | undefined;
      if (!report?.checks) return { text: "I could not run the validations; please try again." };
      const flagged = report.flaggedTickers ?? [];
      if (intent.highlight && flagged.length) {
        const reason = report.checks
          .filter((c) => c.status === "fail")
          .map((c) => c.title)
          .join(", ");
        const hl = need(turn, BROWSER.highlight, { tickers: flagged, reason });
        if (hl) return hl;
      }
      return { text: validationAnswer(report, r.has(BROWSER.highlight) ? flagged.length : undefined) };
    }
    case "top": {
      const args = { ...intent.filter, sortBy: "marketValueUsd", order: intent.order, limit: intent.limit };
      const first = need(turn, TOOL.holdings, args);
      if (first) return first;
      const res = done(TOOL.holdings);
      if (intent.highlight && res?.holdings?.length) {
        const hl = need(turn, BROWSER.highlight, {
          tickers: res.holdings.map((h: { ticker: string }) => h.ticker),
          reason: "Largest holdings",
        });
        if (hl) return hl;
      }
      return {
        text: holdingsAnswer(res, intent.order, r.has(BROWSER.highlight) ? res.holdings.length : undefined),
      };
    }
    case "exposure":
      return need(turn, TOOL.exposures, { by: intent.by }) ?? { text: exposureAnswer(done(TOOL.exposures)) };
    case "nav":
      return (
        need(turn, TOOL.nav, intent.history ? { historyPoints: 12 } : {}) ?? {
          text: navAnswer(done(TOOL.nav)),
        }
      );
    case "position": {
      const first = need(turn, TOOL.position, { ticker: intent.ticker });
      if (first) return first;
      const res = done(TOOL.position);
      if (intent.open && res?.holding) {
        const open = need(turn, BROWSER.open, { ticker: res.holding.ticker });
        if (open) return open;
      }
      return { text: positionAnswer(res, r.has(BROWSER.open)) };
    }
    case "filter": {
      const first = need(turn, TOOL.holdings, { ...intent.filter, limit: 5 });
      if (first) return first;
      const apply = need(turn, BROWSER.filter, { ...intent.filter });
      if (apply) return apply;
      const res = done(TOOL.holdings);
      const filtered = r.has(BROWSER.filter) ? " I've filtered the table to them." : "";
      if (!res?.matched) return { text: `No holdings match that.${filtered}` };
      return { text: `${holdingsAnswer(res, "desc", undefined)}${filtered}` };
    }
    case "clear": {
      const calls = [
        ...(turn.tools.has(BROWSER.filter) && !r.has(BROWSER.filter)
          ? [{ name: BROWSER.filter, args: {} }]
          : []),
        ...(turn.tools.has(BROWSER.highlight) && !r.has(BROWSER.highlight)
          ? [{ name: BROWSER.highlight, args: { tickers: [] } }]
          : []),
      ];
      if (calls.length) return { calls };
      return { text: "Done: the table shows every holding again, with no highlights." };
    }
    case "help":
      return { text: helpAnswer(turn.offline) };
  }
}
