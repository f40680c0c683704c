/**
 * The agent's server tools: LangChain tools over the portfolio functions, returning
 * compact JSON (small messages stream fast and cost few model tokens).
 * @module
 */
import { tool } from "@langchain/core/tools";
import type { Database } from "better-sqlite3";
import { z } from "zod";
import { EXPOSURE_DIMENSIONS, exposureBreakdown } from "./portfolio/exposures.js";
import { findHolding, queryHoldings, SORT_KEYS } from "./portfolio/holdings.js";
import { navHistory, navSummary, samplePoints } from "./portfolio/nav.js";
import { CHECK_IDS } from "./portfolio/validations.js";
import { type Holding, loadBook } from "./portfolio/valuation.js";

/** Tool names, shared with the offline model and the graph. */
export const TOOL = {
  holdings: "get_holdings",
  position: "get_position",
  exposures: "get_exposures",
  nav: "get_nav",
  validations: "run_validations",
} as const;

/** The fields of a holding a tool answer carries. */
export function compactHolding(h: Holding) {
  return {
    ticker: h.ticker,
    name: h.name,
    assetClass: h.assetClass,
    sector: h.sector,
    region: h.region,
    currency: h.currency,
    quantity: h.quantity,
    price: h.price,
    priceDate: h.priceDate,
    marketValueUsd: h.marketValueUsd,
    weightPct: h.weightPct,
  };
}

export const holdingsSchema = z.object({
  assetClass: z.enum(["Equity", "Fixed Income", "Fund", "Cash"]).optional().describe("Only this asset class"),
  sector: z.string().optional().describe("Only this sector, e.g. Energy, Financials, Government"),
  region: z.string().optional().describe("North America, Europe, Asia Pacific or Latin America"),
  currency: z.string().optional().describe("ISO currency code, e.g. EUR"),
  issuer: z.string().optional(),
  search: z.string().optional().describe("Substring of the ticker or name"),
  sortBy: z.enum(SORT_KEYS).optional().describe("Default marketValueUsd"),
  order: z.enum(["asc", "desc"]).optional(),
  limit: z.number().int().min(1).max(50).optional().describe("Default 10"),
});

export const validationsSchema = z.object({
  checks: z.array(z.enum(CHECK_IDS)).optional().describe("Which checks to run; all of them when omitted"),
});

/**
 * The server tools over `db`. `run_validations` is declared here (so the model can call it)
 * but executed by the graph's validation node, which reports each check as it completes.
 */
export function createTools(db: Database) {
  const getHoldings = tool(
    async ({ sortBy, order, limit, ...filter }) => {
      const r = queryHoldings(loadBook(db), { filter, sortBy, order, limit: limit ?? 10 });
      return JSON.stringify({ ...r, filter, holdings: r.holdings.map(compactHolding) });
    },
    {
      name: TOOL.holdings,
      description:
        "List the fund's holdings with market value (USD) and weight (% of NAV): filter by asset class, sector, region, currency, issuer or text; sort; top N.",
      schema: holdingsSchema,
    },
  );
  const getPosition = tool(
    async ({ ticker }) => {
      const book = loadBook(db);
      const h = findHolding(book, ticker);
      if (!h) return JSON.stringify({ error: `No holding matches "${ticker}". Try a ticker such as AAPL.` });
      return JSON.stringify({
        asOf: book.fund.asOf,
        staleAfterBusinessDays: book.fund.staleAfterBusinessDays,
        holding: h,
      });
    },
    {
      name: TOOL.position,
      description:
        "Everything about one position: quantities (book and custodian), price and its date, FX, value, weight, cost.",
      schema: z.object({ ticker: z.string().describe("Ticker (or part of the name)") }),
    },
  );
  const getExposures = tool(async ({ by, top }) => JSON.stringify(exposureBreakdown(loadBook(db), by, top)), {
    name: TOOL.exposures,
    description: "The NAV broken down by sector, assetClass, region, currency or issuer, largest first.",
    schema: z.object({
      by: z.enum(EXPOSURE_DIMENSIONS),
      top: z.number().int().min(1).max(50).optional().describe("Only the N largest groups"),
    }),
  });
  const getNav = tool(
    async ({ historyPoints }) => {
      const summary = navSummary(db, loadBook(db));
      const history = historyPoints ? samplePoints(navHistory(db), historyPoints) : undefined;
      return JSON.stringify({ ...summary, ...(history ? { history } : {}) });
    },
    {
      name: TOOL.nav,
      description:
        "The fund's NAV, NAV per share and their changes (1 day, 1 month, YTD, 1 year); optionally the history.",
      schema: z.object({
        historyPoints: z
          .number()
          .int()
          .min(2)
          .max(60)
          .optional()
          .describe("Include this many history points"),
      }),
    },
  );
  const runValidationsTool = tool(async () => "run by the validation node", {
    name: TOOL.validations,
    description:
      "Run the pre-NAV validations: stale and missing prices, missing FX rates, issuer concentration, custodian breaks, negative cash. Results appear live on the page.",
    schema: validationsSchema,
  });
  return { data: [getHoldings, getPosition, getExposures, getNav], validations: runValidationsTool };
}
