import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../data/db.js";
import { AS_OF, KNOWN_ISSUES } from "../data/seed.js";
import { exposureBreakdown } from "./exposures.js";
import { findHolding, queryHoldings } from "./holdings.js";
import { navHistory, navSummary } from "./nav.js";
import { businessDaysBetween, runValidations } from "./validations.js";
import { type Book, loadBook, loadIssuerLimits } from "./valuation.js";

const dir = mkdtempSync(join(tmpdir(), "opshub-data-"));
let db: ReturnType<typeof openDatabase>;
let book: Book;

beforeAll(() => {
  db = openDatabase(join(dir, "opshub.db"));
  book = loadBook(db);
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("seeded fund", () => {
  it("holds at least 150 positions across every asset class, in several currencies, sectors and regions", () => {
    expect(book.holdings.length).toBeGreaterThanOrEqual(150);
    const distinct = (k: keyof Book["holdings"][number]) => new Set(book.holdings.map((h) => h[k])).size;
    expect(new Set(book.holdings.map((h) => h.assetClass))).toEqual(
      new Set(["Equity", "Fixed Income", "Fund", "Cash"]),
    );
    expect(distinct("currency")).toBeGreaterThanOrEqual(10);
    expect(distinct("sector")).toBeGreaterThanOrEqual(12);
    expect(distinct("region")).toBeGreaterThanOrEqual(4);
  });

  it("is identical on every open (deterministic seed) and survives reopening the file", () => {
    const again = openDatabase(join(dir, "opshub.db"));
    expect(loadBook(again).navUsd).toBe(book.navUsd);
    again.close();
    const fresh = openDatabase(":memory:");
    expect(loadBook(fresh).holdings).toEqual(book.holdings);
    fresh.close();
  });

  it("has a NAV history of about a year ending at today's NAV", () => {
    const history = navHistory(db);
    expect(history.length).toBeGreaterThan(250);
    expect(history.at(-1)!.date).toBe(AS_OF);
    expect(history.at(-1)!.navUsd).toBeCloseTo(book.navUsd, -1);
  });
});

describe("queries", () => {
  it("filters, sorts and limits holdings", () => {
    const top = queryHoldings(book, { limit: 5 });
    expect(top.holdings).toHaveLength(5);
    expect(top.holdings[0]!.ticker).toBe("AAPL");
    const values = top.holdings.map((h) => h.marketValueUsd!);
    expect([...values].sort((a, b) => b - a)).toEqual(values);

    const energy = queryHoldings(book, { filter: { sector: "energy" }, sortBy: "ticker" });
    expect(energy.matched).toBeGreaterThan(5);
    expect(energy.holdings.every((h) => h.sector === "Energy")).toBe(true);
    expect(energy.holdings.map((h) => h.ticker)).toEqual([...energy.holdings.map((h) => h.ticker)].sort());
  });

  it("finds a holding by ticker or by name", () => {
    expect(findHolding(book, "nvda")?.name).toBe("NVIDIA Corp");
    expect(findHolding(book, "Toyota")?.ticker).toBe("7203");
    expect(findHolding(book, "nothing like this")).toBeUndefined();
  });

  it("breaks exposure down so the weights add up to the NAV", () => {
    for (const by of ["sector", "assetClass", "region", "currency", "issuer"] as const) {
      const { rows } = exposureBreakdown(book, by);
      expect(rows.reduce((s, r) => s + r.weightPct, 0)).toBeCloseTo(100, 1);
    }
    const ccy = exposureBreakdown(book, "currency");
    expect(ccy.rows.find((r) => r.key === "NOK")).toMatchObject({ marketValueUsd: 0, unvalued: 2 });
  });

  it("summarizes the NAV with its changes", () => {
    const nav = navSummary(db, book);
    expect(nav.asOf).toBe(AS_OF);
    expect(nav.navPerShare).toBeCloseTo(124.37, 2);
    expect(nav.changePct.ytd).not.toBeNull();
    expect(nav.unvaluedPositions).toBe(4);
  });
});

describe("validations", () => {
  it("finds exactly the planted problems", () => {
    const report = runValidations(book, loadIssuerLimits(db));
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c.items.map((i) => i.ticker).sort()]));
    expect(byId.stale_prices).toEqual(Object.keys(KNOWN_ISSUES.stalePrices).sort());
    expect(byId.missing_prices).toEqual([...KNOWN_ISSUES.missingPrices].sort());
    expect(byId.missing_fx).toEqual(["DNB", "EQNR"]);
    expect(byId.custodian_breaks).toEqual(Object.keys(KNOWN_ISSUES.custodianBreaks).sort());
    expect(byId.negative_cash).toEqual(["CASH-EUR"]);
    expect(byId.concentration).toEqual(["AAPL", "AAPL-2032", "NVDA"]);
    expect(report.summary).toEqual({ errors: 5, warnings: 1, passed: 0 });
    expect(report.flaggedTickers).toContain("MSFT");
  });

  it("passes a check once its problem is fixed", () => {
    const mem = openDatabase(":memory:");
    mem.prepare("UPDATE positions SET custodian_quantity = book_quantity").run();
    const report = runValidations(loadBook(mem), loadIssuerLimits(mem), ["custodian_breaks"]);
    expect(report.checks[0]).toMatchObject({ status: "pass", items: [] });
    mem.close();
  });

  it("counts business days, skipping weekends", () => {
    expect(businessDaysBetween("2026-10-23", "2026-10-30")).toBe(5);
    expect(businessDaysBetween("2026-10-30", "2026-10-30")).toBe(0);
  });
});
