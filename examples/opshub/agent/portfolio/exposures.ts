/**
 * Exposure breakdowns: the NAV grouped by sector, asset class, region, currency or issuer.
 * @module
 */
import { type Book, type Holding, round2, round4 } from "./valuation.js";

/** The dimensions an exposure can be broken down by. */
export const EXPOSURE_DIMENSIONS = ["sector", "assetClass", "region", "currency", "issuer"] as const;
export type ExposureDimension = (typeof EXPOSURE_DIMENSIONS)[number];

/** One group of a breakdown. */
export interface ExposureRow {
  key: string;
  marketValueUsd: number;
  weightPct: number;
  holdings: number;
  /** Positions in the group that could not be valued (missing price or FX). */
  unvalued: number;
}

/** The answer of {@link exposureBreakdown}. */
export interface ExposureResult {
  asOf: string;
  by: ExposureDimension;
  navUsd: number;
  rows: ExposureRow[];
}

/**
 * Groups the book by `by`, largest first; `top` keeps the N largest groups.
 * @example exposureBreakdown(book, "currency")
 */
export function exposureBreakdown(book: Book, by: ExposureDimension, top?: number): ExposureResult {
  const groups = new Map<string, ExposureRow>();
  for (const h of book.holdings) {
    const key = String(h[by as keyof Holding]);
    const row = groups.get(key) ?? { key, marketValueUsd: 0, weightPct: 0, holdings: 0, unvalued: 0 };
    row.holdings++;
    if (h.marketValueUsd === null) row.unvalued++;
    else row.marketValueUsd += h.marketValueUsd;
    groups.set(key, row);
  }
  const rows = [...groups.values()]
    .map((r) => ({
      ...r,
      marketValueUsd: round2(r.marketValueUsd),
      weightPct: book.navUsd ? round4((r.marketValueUsd / book.navUsd) * 100) : 0,
    }))
    .sort((a, b) => b.marketValueUsd - a.marketValueUsd || a.key.localeCompare(b.key));
  return {
    asOf: book.fund.asOf,
    by,
    navUsd: book.navUsd,
    rows: top && top > 0 ? rows.slice(0, Math.floor(top)) : rows,
  };
}
