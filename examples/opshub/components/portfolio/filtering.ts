/**
 * The table's filter and sort, applied in the browser.
 * @module
 */
import { compareHoldings, matchesFilter, type SortKey } from "@/agent/portfolio/holdings";
import type { Holding } from "@/lib/types";

/** What the toolbar (and the assistant's filterHoldings) set. Empty strings mean "any". */
export interface TableFilter {
  assetClass: string;
  sector: string;
  region: string;
  currency: string;
  search: string;
}

export const EMPTY_FILTER: TableFilter = { assetClass: "", sector: "", region: "", currency: "", search: "" };

/** Column and direction. */
export interface TableSort {
  key: SortKey | "assetClass" | "sector" | "currency" | "price";
  dir: "asc" | "desc";
}

/** Filters and sorts the holdings. */
export function applyView(holdings: Holding[], filter: TableFilter, sort: TableSort): Holding[] {
  const rows = holdings.filter((h) => matchesFilter(h, filter));
  return rows.sort(
    (a, b) => compareHoldings(a, b, sort.key as SortKey, sort.dir) || a.ticker.localeCompare(b.ticker),
  );
}

/** The distinct values of a column, sorted, for a select. */
export function optionsOf(
  holdings: Holding[],
  key: "assetClass" | "sector" | "region" | "currency",
): string[] {
  return [...new Set(holdings.map((h) => h[key]))].sort();
}
