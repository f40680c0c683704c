/**
 * Holdings queries: filter, sort, top N, and one position in detail.
 * @module
 */
import type { Book, Holding } from "./valuation.js";

/** Which holdings to return. Every field narrows; text matches are case-insensitive. */
export interface HoldingsFilter {
  assetClass?: string;
  sector?: string;
  region?: string;
  currency?: string;
  issuer?: string;
  /** Matches ticker or name (substring). */
  search?: string;
}

/** Sortable columns. */
export const SORT_KEYS = ["marketValueUsd", "weightPct", "ticker", "name", "quantity", "priceDate"] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** Options of {@link queryHoldings}. */
export interface HoldingsQuery {
  filter?: HoldingsFilter;
  /** @default "marketValueUsd" */
  sortBy?: SortKey;
  /** @default "desc" for numbers, "asc" for text */
  order?: "asc" | "desc";
  /** At most this many rows (1–200). @default 200 */
  limit?: number;
}

/** The answer of {@link queryHoldings}. */
export interface HoldingsResult {
  asOf: string;
  /** Holdings matching the filter (before `limit`). */
  matched: number;
  /** Their total value, USD (unvalued positions count as 0). */
  totalMarketValueUsd: number;
  /** Their share of NAV, percent. */
  totalWeightPct: number;
  holdings: Holding[];
}

const eq = (a: string, b: string | undefined) =>
  b === undefined || b === "" || a.toLowerCase() === b.toLowerCase();

/** Whether `h` passes `filter`. */
export function matchesFilter(h: Holding, filter: HoldingsFilter = {}): boolean {
  const search = filter.search?.trim().toLowerCase();
  return (
    eq(h.assetClass, filter.assetClass) &&
    eq(h.sector, filter.sector) &&
    eq(h.region, filter.region) &&
    eq(h.currency, filter.currency) &&
    eq(h.issuer, filter.issuer) &&
    (!search || h.ticker.toLowerCase().includes(search) || h.name.toLowerCase().includes(search))
  );
}

/** Compares two holdings by `key`; missing values sort last in either order. */
export function compareHoldings(a: Holding, b: Holding, key: SortKey, order: "asc" | "desc"): number {
  const x = a[key];
  const y = b[key];
  if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1;
  if (y === null || y === undefined) return -1;
  const sign = order === "asc" ? 1 : -1;
  if (typeof x === "number" && typeof y === "number") return (x - y) * sign;
  return String(x).localeCompare(String(y)) * sign;
}

/**
 * Filters, sorts and truncates the book's holdings.
 * @example queryHoldings(book, { filter: { sector: "Energy" }, sortBy: "weightPct", limit: 5 })
 */
export function queryHoldings(book: Book, query: HoldingsQuery = {}): HoldingsResult {
  const sortBy = query.sortBy ?? "marketValueUsd";
  const numeric = sortBy === "marketValueUsd" || sortBy === "weightPct" || sortBy === "quantity";
  const order = query.order ?? (numeric ? "desc" : "asc");
  const limit = Math.max(1, Math.min(200, Math.floor(query.limit ?? 200)));
  const matched = book.holdings.filter((h) => matchesFilter(h, query.filter));
  matched.sort((a, b) => compareHoldings(a, b, sortBy, order) || a.ticker.localeCompare(b.ticker));
  const total = matched.reduce((s, h) => s + (h.marketValueUsd ?? 0), 0);
  return {
    asOf: book.fund.asOf,
    matched: matched.length,
    totalMarketValueUsd: Math.round(total * 100) / 100,
    totalWeightPct: book.navUsd ? Math.round((total / book.navUsd) * 1_000_000) / 10_000 : 0,
    holdings: matched.slice(0, limit),
  };
}

/** Finds a holding by ticker (exact, case-insensitive), then by name (substring). */
export function findHolding(book: Book, tickerOrName: string): Holding | undefined {
  const q = tickerOrName.trim().toLowerCase();
  if (!q) return undefined;
  return (
    book.holdings.find((h) => h.ticker.toLowerCase() === q) ??
    book.holdings.find((h) => h.name.toLowerCase().includes(q))
  );
}
