/**
 * A deterministic, realistic fund: the same rows on every machine. Most of the book is
 * clean; a handful of deliberate problems give the validations something to find (see
 * {@link KNOWN_ISSUES}).
 * @module
 */
import { BONDS, CASH_CURRENCIES, EQUITIES, FUNDS, regionOf } from "./universe.js";

/** The fund's valuation date: a month-end Friday. */
export const AS_OF = "2026-10-30";

/** The planted problems, for tests and docs. */
export const KNOWN_ISSUES = {
  stalePrices: { "9984": 5, VALE3: 8, HYG: 4, "BTPS-2031": 6, "F-2028": 11 } as Record<string, number>,
  missingPrices: ["DNB", "GS-2029", "IEMA"],
  missingFx: "NOK",
  custodianBreaks: { MSFT: -2_500, SAP: 1_200, "UKT-2033": -500_000, "0700": "all" } as Record<
    string,
    number | "all"
  >,
  negativeCash: "CASH-EUR",
  /** issuer → [target weight %, limit %] */
  concentration: { "Apple Inc": [5.8, 5], "NVIDIA Corp": [4.4, 4] } as Record<string, [number, number]>,
};

/** USD per unit of each currency (NOK deliberately absent). */
export const FX: Record<string, number> = {
  USD: 1,
  EUR: 1.0842,
  GBP: 1.2756,
  JPY: 0.006689,
  CHF: 1.1312,
  CAD: 0.7194,
  AUD: 0.6571,
  HKD: 0.1286,
  SEK: 0.0941,
  DKK: 0.1453,
  SGD: 0.7521,
  BRL: 0.1776,
};

export interface InstrumentRow {
  ticker: string;
  name: string;
  asset_class: "Equity" | "Fixed Income" | "Fund" | "Cash";
  sector: string;
  issuer: string;
  country: string;
  region: string;
  currency: string;
  price_factor: number;
  coupon_pct: number | null;
  maturity_year: number | null;
}

export interface SeedData {
  instruments: InstrumentRow[];
  positions: {
    ticker: string;
    book_quantity: number;
    custodian_quantity: number;
    custodian: string;
    cost_price: number;
  }[];
  prices: { ticker: string; price: number; price_date: string; source: string }[];
  fx: { currency: string; usd_per_unit: number; rate_date: string }[];
  limits: { issuer: string; max_weight_pct: number }[];
  /** Target USD value per ticker, used to build the NAV history. */
  targetValue: Map<string, number>;
}

/** mulberry32: a tiny seeded PRNG, so the data is identical everywhere. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The date `n` business days before `date` (YYYY-MM-DD). */
export function businessDaysBefore(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  let left = n;
  while (left > 0) {
    d.setUTCDate(d.getUTCDate() - 1);
    const day = d.getUTCDay();
    if (day !== 0 && day !== 6) left--;
  }
  return d.toISOString().slice(0, 10);
}

const TOTAL_USD = 1_250_000_000;
const CLASS_WEIGHT = { Equity: 0.575, "Fixed Income": 0.27, Fund: 0.115, Cash: 0.04 };

function custodianFor(region: string): string {
  if (region === "North America") return "State Street";
  if (region === "Europe" || region === "Latin America") return "BNY Mellon";
  return "HSBC Securities Services";
}

/** Builds every row of the fund. Pure: same output for every call. */
export function generateSeed(): SeedData {
  const rand = createRandom(20261030);
  const instruments: InstrumentRow[] = [];
  const base = (
    t: string,
    n: string,
    cls: InstrumentRow["asset_class"],
    sector: string,
    c: string,
    ccy: string,
  ) => ({
    ticker: t,
    name: n,
    asset_class: cls,
    sector,
    issuer: n,
    country: c,
    region: regionOf(c),
    currency: ccy,
    price_factor: 1,
    coupon_pct: null,
    maturity_year: null,
  });
  for (const [t, n, s, c, ccy] of EQUITIES) instruments.push(base(t, n, "Equity", s, c, ccy));
  for (const [t, n, issuer, s, c, ccy, coupon, year] of BONDS) {
    instruments.push({
      ...base(t, n, "Fixed Income", s, c, ccy),
      issuer,
      price_factor: 0.01,
      coupon_pct: coupon,
      maturity_year: year,
    });
  }
  for (const [t, n, s, c, ccy] of FUNDS) instruments.push(base(t, n, "Fund", s, c, ccy));
  for (const ccy of CASH_CURRENCIES) {
    const country = {
      USD: "US",
      EUR: "DE",
      GBP: "GB",
      JPY: "JP",
      CHF: "CH",
      CAD: "CA",
      AUD: "AU",
      HKD: "HK",
      SGD: "SG",
    }[ccy]!;
    instruments.push({ ...base(`CASH-${ccy}`, `${ccy} Cash`, "Cash", "Cash", country, ccy), issuer: "Cash" });
  }

  // Raw weights: lognormal-ish within each asset class, then scaled to the class weight.
  const raw = new Map<string, number>();
  for (const i of instruments) raw.set(i.ticker, Math.exp(rand() * 2.2));
  const classSum = new Map<string, number>();
  for (const i of instruments)
    classSum.set(i.asset_class, (classSum.get(i.asset_class) ?? 0) + raw.get(i.ticker)!);
  const targetValue = new Map<string, number>();
  for (const i of instruments) {
    const share = raw.get(i.ticker)! / classSum.get(i.asset_class)!;
    targetValue.set(i.ticker, TOTAL_USD * CLASS_WEIGHT[i.asset_class] * share);
  }
  // The planted concentration breaches (equity + bond of one issuer add up).
  targetValue.set("AAPL", TOTAL_USD * 0.046);
  targetValue.set("AAPL-2032", TOTAL_USD * 0.012);
  targetValue.set("NVDA", TOTAL_USD * 0.044);
  targetValue.set("MSFT", TOTAL_USD * 0.041);
  targetValue.set("CASH-EUR", -3_450_000 * FX.EUR!);

  const positions: SeedData["positions"] = [];
  const prices: SeedData["prices"] = [];
  for (const i of instruments) {
    const fx = FX[i.currency] ?? 0.0925; // NOK: sized with a plausible rate, but never priced
    let price: number;
    if (i.asset_class === "Cash") price = 1;
    else if (i.asset_class === "Fixed Income") price = Math.round((82 + rand() * 24) * 1000) / 1000;
    else price = Math.round(((15 + rand() * 600) / fx) * 100) / 100;
    const unit = price * i.price_factor * fx;
    const lot = i.asset_class === "Fixed Income" ? 1000 : i.asset_class === "Cash" ? 1 : 10;
    const qty = Math.round(targetValue.get(i.ticker)! / unit / lot) * lot;
    const brk = KNOWN_ISSUES.custodianBreaks[i.ticker];
    const custodianQty = brk === undefined ? qty : brk === "all" ? 0 : qty + brk;
    positions.push({
      ticker: i.ticker,
      book_quantity: qty,
      custodian_quantity: custodianQty,
      custodian: custodianFor(i.region),
      cost_price: Math.round(price * (0.72 + rand() * 0.45) * 100) / 100,
    });
    if (KNOWN_ISSUES.missingPrices.includes(i.ticker)) continue;
    const staleDays = KNOWN_ISSUES.stalePrices[i.ticker];
    prices.push({
      ticker: i.ticker,
      price,
      price_date: staleDays ? businessDaysBefore(AS_OF, staleDays) : AS_OF,
      source: i.asset_class === "Cash" ? "Internal" : i.asset_class === "Fixed Income" ? "ICE" : "Bloomberg",
    });
  }

  const fx = Object.entries(FX).map(([currency, usd_per_unit]) => ({
    currency,
    usd_per_unit,
    rate_date: AS_OF,
  }));
  const limits: SeedData["limits"] = [];
  for (const issuer of new Set(instruments.map((i) => i.issuer))) {
    const inst = instruments.find((i) => i.issuer === issuer)!;
    const planted = KNOWN_ISSUES.concentration[issuer];
    const limit = planted
      ? planted[1]
      : inst.asset_class === "Cash"
        ? 100
        : inst.sector === "Government"
          ? 35
          : inst.asset_class === "Fund"
            ? 10
            : 5;
    limits.push({ issuer, max_weight_pct: limit });
  }
  return { instruments, positions, prices, fx, limits, targetValue };
}
