/**
 * Values every position of the book: price × quantity × FX, and its weight in the NAV.
 * A position whose price or FX rate is missing gets no value (and is named by the
 * validations) rather than a guessed one.
 * @module
 */
import type { Database } from "better-sqlite3";

/** One position, valued in the fund's base currency (USD). */
export interface Holding {
  ticker: string;
  name: string;
  assetClass: "Equity" | "Fixed Income" | "Fund" | "Cash";
  sector: string;
  issuer: string;
  country: string;
  region: string;
  currency: string;
  quantity: number;
  custodianQuantity: number;
  custodian: string;
  /** Local-currency price (per 100 nominal for bonds); null when there is none. */
  price: number | null;
  priceDate: string | null;
  priceSource: string | null;
  /** USD per unit of `currency`; null when the rate is missing. */
  fxRate: number | null;
  /** Null when price or FX is missing. */
  marketValueUsd: number | null;
  /** Percent of NAV; null when unvalued. */
  weightPct: number | null;
  costPrice: number | null;
  couponPct: number | null;
  maturityYear: number | null;
}

/** The fund's header row. */
export interface FundInfo {
  name: string;
  baseCurrency: string;
  asOf: string;
  staleAfterBusinessDays: number;
  defaultIssuerLimitPct: number;
}

/** The whole book at the valuation date. */
export interface Book {
  fund: FundInfo;
  holdings: Holding[];
  /** Sum of every valued position (negative cash included). */
  navUsd: number;
}

const BOOK_SQL = `
SELECT i.ticker, i.name, i.asset_class AS assetClass, i.sector, i.issuer, i.country, i.region,
       i.currency, i.price_factor AS priceFactor, i.coupon_pct AS couponPct, i.maturity_year AS maturityYear,
       p.book_quantity AS quantity, p.custodian_quantity AS custodianQuantity, p.custodian,
       p.cost_price AS costPrice, pr.price, pr.price_date AS priceDate, pr.source AS priceSource,
       fx.usd_per_unit AS fxRate
FROM positions p
JOIN instruments i ON i.ticker = p.ticker
LEFT JOIN prices pr ON pr.ticker = p.ticker
LEFT JOIN fx_rates fx ON fx.currency = i.currency
ORDER BY i.ticker`;

/** Reads the fund's header. */
export function readFund(db: Database): FundInfo {
  const row = db
    .prepare(
      `SELECT name, base_currency AS baseCurrency, as_of_date AS asOf,
              stale_after_business_days AS staleAfterBusinessDays,
              default_issuer_limit_pct AS defaultIssuerLimitPct FROM fund WHERE id = 1`,
    )
    .get() as FundInfo | undefined;
  if (!row) throw new Error("The OpsHub database has no fund row; delete examples/opshub/.data and restart");
  return row;
}

/** Values the whole book. Cheap (a few hundred rows), so every tool call reads it fresh. */
export function loadBook(db: Database): Book {
  const fund = readFund(db);
  const rows = db.prepare(BOOK_SQL).all() as (Omit<Holding, "marketValueUsd" | "weightPct"> & {
    priceFactor: number;
  })[];
  const valued = rows.map(({ priceFactor, ...r }) => ({
    ...r,
    marketValueUsd:
      r.price === null || r.fxRate === null ? null : round2(r.quantity * r.price * priceFactor * r.fxRate),
    weightPct: null as number | null,
  }));
  const navUsd = round2(valued.reduce((sum, h) => sum + (h.marketValueUsd ?? 0), 0));
  for (const h of valued) {
    if (h.marketValueUsd !== null && navUsd !== 0) h.weightPct = round4((h.marketValueUsd / navUsd) * 100);
  }
  return { fund, holdings: valued, navUsd };
}

/** Rounds to cents. */
export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Rounds to 4 decimals (weights in percent). */
export function round4(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}

/** Issuer → maximum weight in percent of NAV. */
export function loadIssuerLimits(db: Database): Map<string, number> {
  const rows = db.prepare("SELECT issuer, max_weight_pct AS pct FROM issuer_limits").all() as {
    issuer: string;
    pct: number;
  }[];
  return new Map(rows.map((r) => [r.issuer, r.pct]));
}
