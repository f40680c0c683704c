/**
 * Pre-NAV validations, each returning a structured result the UI can render and the
 * model can explain: stale and missing prices, missing FX, issuer concentration,
 * custodian breaks and negative cash.
 * @module
 */
import { type Book, round4 } from "./valuation.js";

/** The checks, in the order they run. */
export const CHECK_IDS = [
  "stale_prices",
  "missing_prices",
  "missing_fx",
  "concentration",
  "custodian_breaks",
  "negative_cash",
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

/** One finding of a check. */
export interface ValidationItem {
  ticker: string;
  name: string;
  detail: string;
  /** Numbers behind the detail (dates, quantities, weights), for tables. */
  data?: Record<string, string | number | null>;
}

/** The result of one check. */
export interface CheckResult {
  id: CheckId;
  title: string;
  severity: "error" | "warning";
  status: "pass" | "fail";
  summary: string;
  items: ValidationItem[];
}

/** All checks together. */
export interface ValidationReport {
  asOf: string;
  fund: string;
  checks: CheckResult[];
  /** Failed checks by severity, and passed ones. */
  summary: { errors: number; warnings: number; passed: number };
  /** Every ticker named by a failed check (what to highlight), sorted. */
  flaggedTickers: string[];
}

const TITLES: Record<CheckId, [string, "error" | "warning"]> = {
  stale_prices: ["Stale prices", "warning"],
  missing_prices: ["Missing prices", "error"],
  missing_fx: ["Missing FX rates", "error"],
  concentration: ["Issuer concentration", "error"],
  custodian_breaks: ["Custodian breaks", "error"],
  negative_cash: ["Negative cash", "error"],
};

/** The display title and severity of a check. */
export function checkInfo(id: CheckId): { title: string; severity: "error" | "warning" } {
  const [title, severity] = TITLES[id];
  return { title, severity };
}

/** Business days from `from` (exclusive) to `to` (inclusive). */
export function businessDaysBetween(from: string, to: string): number {
  const d = new Date(`${from}T00:00:00Z`);
  const end = new Date(`${to}T00:00:00Z`);
  let n = 0;
  while (d < end) {
    d.setUTCDate(d.getUTCDate() + 1);
    const day = d.getUTCDay();
    if (day !== 0 && day !== 6) n++;
  }
  return n;
}

const fmt = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 2 });

function finish(id: CheckId, items: ValidationItem[], passText: string, failText: string): CheckResult {
  const { title, severity } = checkInfo(id);
  return {
    id,
    title,
    severity,
    status: items.length ? "fail" : "pass",
    summary: items.length ? failText : passText,
    items,
  };
}

/** Runs one check against the book. Limits come from `issuerLimits` (issuer → max weight %). */
export function runCheck(id: CheckId, book: Book, issuerLimits: Map<string, number>): CheckResult {
  const { holdings, fund } = book;
  switch (id) {
    case "stale_prices": {
      const items = holdings
        .filter(
          (h) => h.priceDate && businessDaysBetween(h.priceDate, fund.asOf) > fund.staleAfterBusinessDays,
        )
        .map((h) => {
          const age = businessDaysBetween(h.priceDate!, fund.asOf);
          return {
            ticker: h.ticker,
            name: h.name,
            detail: `last priced ${h.priceDate} (${age} business days old)`,
            data: { priceDate: h.priceDate, ageBusinessDays: age, source: h.priceSource },
          };
        });
      return finish(
        id,
        items,
        `Every price is dated within ${fund.staleAfterBusinessDays} business days of ${fund.asOf}.`,
        `${items.length} prices are older than ${fund.staleAfterBusinessDays} business days.`,
      );
    }
    case "missing_prices": {
      const items = holdings
        .filter((h) => h.price === null)
        .map((h) => ({
          ticker: h.ticker,
          name: h.name,
          detail: `no price for ${fund.asOf}; position left out of the NAV`,
          data: { quantity: h.quantity },
        }));
      return finish(
        id,
        items,
        "Every position has a price.",
        `${items.length} positions have no price and are left out of the NAV.`,
      );
    }
    case "missing_fx": {
      const items = holdings
        .filter((h) => h.fxRate === null)
        .map((h) => ({
          ticker: h.ticker,
          name: h.name,
          detail: `no ${h.currency}/USD rate for ${fund.asOf}`,
          data: { currency: h.currency },
        }));
      const ccys = [...new Set(items.map((i) => i.data.currency))].join(", ");
      return finish(
        id,
        items,
        "Every currency held has an FX rate.",
        `No FX rate for ${ccys}: ${items.length} positions cannot be valued.`,
      );
    }
    case "concentration": {
      const byIssuer = new Map<string, { weight: number; tickers: string[] }>();
      for (const h of holdings) {
        if (h.weightPct === null || h.assetClass === "Cash") continue;
        const g = byIssuer.get(h.issuer) ?? { weight: 0, tickers: [] };
        g.weight += h.weightPct;
        g.tickers.push(h.ticker);
        byIssuer.set(h.issuer, g);
      }
      const items: ValidationItem[] = [];
      for (const [issuer, g] of byIssuer) {
        const limit = issuerLimits.get(issuer) ?? fund.defaultIssuerLimitPct;
        if (g.weight <= limit) continue;
        for (const ticker of g.tickers) {
          const h = holdings.find((x) => x.ticker === ticker)!;
          items.push({
            ticker,
            name: h.name,
            detail: `${issuer} at ${g.weight.toFixed(2)}% of NAV, limit ${limit}%`,
            data: {
              issuer,
              issuerWeightPct: round4(g.weight),
              limitPct: limit,
              positionWeightPct: h.weightPct,
            },
          });
        }
      }
      const issuers = new Set(items.map((i) => i.data!.issuer)).size;
      return finish(
        id,
        items,
        "Every issuer is within its limit.",
        `${issuers} issuers are over their concentration limit.`,
      );
    }
    case "custodian_breaks": {
      const items = holdings
        .filter((h) => h.quantity !== h.custodianQuantity)
        .map((h) => ({
          ticker: h.ticker,
          name: h.name,
          detail: `book ${fmt(h.quantity)} vs ${h.custodian} ${fmt(h.custodianQuantity)} (difference ${fmt(h.custodianQuantity - h.quantity)})`,
          data: {
            bookQuantity: h.quantity,
            custodianQuantity: h.custodianQuantity,
            difference: h.custodianQuantity - h.quantity,
            custodian: h.custodian,
          },
        }));
      return finish(
        id,
        items,
        "Book and custodian quantities agree for every position.",
        `${items.length} positions differ between the book and the custodian.`,
      );
    }
    case "negative_cash": {
      const items = holdings
        .filter((h) => h.assetClass === "Cash" && h.quantity < 0)
        .map((h) => ({
          ticker: h.ticker,
          name: h.name,
          detail: `${h.currency} balance ${fmt(h.quantity)}`,
          data: { balance: h.quantity, currency: h.currency, marketValueUsd: h.marketValueUsd },
        }));
      return finish(
        id,
        items,
        "No cash account is overdrawn.",
        `${items.length} cash accounts are overdrawn.`,
      );
    }
  }
}

/** Builds the report from check results (all, or the ones run so far). */
export function summarize(book: Book, checks: CheckResult[]): ValidationReport {
  const failed = checks.filter((c) => c.status === "fail");
  return {
    asOf: book.fund.asOf,
    fund: book.fund.name,
    checks,
    summary: {
      errors: failed.filter((c) => c.severity === "error").length,
      warnings: failed.filter((c) => c.severity === "warning").length,
      passed: checks.length - failed.length,
    },
    flaggedTickers: [...new Set(failed.flatMap((c) => c.items.map((i) => i.ticker)))].sort(),
  };
}

/**
 * Runs `ids` (default: every check) and summarizes.
 * @example runValidations(book, limits).flaggedTickers
 */
export function runValidations(
  book: Book,
  issuerLimits: Map<string, number>,
  ids: readonly CheckId[] = CHECK_IDS,
): ValidationReport {
  return summarize(
    book,
    ids.map((id) => runCheck(id, book, issuerLimits)),
  );
}
