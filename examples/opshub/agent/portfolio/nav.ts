/**
 * NAV, NAV per share and their history.
 * @module
 */
import type { Database } from "better-sqlite3";
import type { Book } from "./valuation.js";

/** One day of the NAV history. */
export interface NavPoint {
  date: string;
  navUsd: number;
  sharesOutstanding: number;
  navPerShare: number;
}

/** The answer of {@link navSummary}. */
export interface NavSummary {
  fund: string;
  asOf: string;
  currency: string;
  navUsd: number;
  navPerShare: number;
  sharesOutstanding: number;
  /** NAV per share change, percent, over 1 day, 1 month (21 business days), year to date, 1 year. */
  changePct: { day: number | null; month: number | null; ytd: number | null; year: number | null };
  /** Positions left out of the NAV because they have no price or FX rate. */
  unvaluedPositions: number;
}

/** Reads the NAV history, oldest first; `from`/`to` are inclusive YYYY-MM-DD bounds. */
export function navHistory(db: Database, opts: { from?: string; to?: string } = {}): NavPoint[] {
  return db
    .prepare(
      `SELECT date, nav_usd AS navUsd, shares_outstanding AS sharesOutstanding, nav_per_share AS navPerShare
       FROM nav_history WHERE date >= ? AND date <= ? ORDER BY date`,
    )
    .all(opts.from ?? "0000-00-00", opts.to ?? "9999-99-99") as NavPoint[];
}

/** Evenly thins `points` to at most `max`, always keeping the first and last. */
export function samplePoints<T>(points: T[], max: number): T[] {
  if (points.length <= max || max < 2) return points;
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(points[Math.round((i * (points.length - 1)) / (max - 1))]!);
  return out;
}

function pctChange(now: number, then: number | undefined): number | null {
  if (then === undefined || then === 0) return null;
  return Math.round(((now - then) / then) * 1_000_000) / 10_000;
}

/** The NAV at the valuation date with its recent changes. */
export function navSummary(db: Database, book: Book): NavSummary {
  const history = navHistory(db, { to: book.fund.asOf });
  const last = history.at(-1);
  if (!last) throw new Error("The NAV history is empty; delete examples/opshub/.data and restart");
  const yearStart = `${book.fund.asOf.slice(0, 4)}-01-01`;
  const lastOfPrevYear = [...history].reverse().find((p) => p.date < yearStart);
  return {
    fund: book.fund.name,
    asOf: last.date,
    currency: book.fund.baseCurrency,
    navUsd: last.navUsd,
    navPerShare: last.navPerShare,
    sharesOutstanding: last.sharesOutstanding,
    changePct: {
      day: pctChange(last.navPerShare, history.at(-2)?.navPerShare),
      month: pctChange(last.navPerShare, history.at(-22)?.navPerShare),
      ytd: pctChange(last.navPerShare, lastOfPrevYear?.navPerShare),
      year: pctChange(last.navPerShare, history[0]?.navPerShare),
    },
    unvaluedPositions: book.holdings.filter((h) => h.marketValueUsd === null).length,
  };
}
