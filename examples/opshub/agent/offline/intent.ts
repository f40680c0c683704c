/**
 * Reads what the user asks for: a deterministic classifier over the questions the UI
 * suggests and sensible variations of them.
 * @module
 */
import type { ExposureDimension } from "../portfolio/exposures.js";
import type { HoldingsFilter } from "../portfolio/holdings.js";
import type { CheckId } from "../portfolio/validations.js";
import type { Vocabulary } from "./vocabulary.js";

/** What the user wants. */
export type Intent =
  | { kind: "validations"; checks?: CheckId[]; highlight: boolean }
  | { kind: "top"; limit: number; filter: HoldingsFilter; order: "desc" | "asc"; highlight: boolean }
  | { kind: "exposure"; by: ExposureDimension }
  | { kind: "nav"; history: boolean }
  | { kind: "position"; ticker: string; open: boolean }
  | { kind: "filter"; filter: HoldingsFilter }
  | { kind: "clear" }
  | { kind: "help" };

/** What the page shares (readable context) that a question may refer to. */
export interface PageContext {
  selectedTicker?: string;
}

const NUMBER_WORDS: Record<string, number> = { three: 3, five: 5, ten: 10, twenty: 20, fifteen: 15 };

const CHECK_WORDS: [RegExp, CheckId][] = [
  [/stale|old price|out[- ]of[- ]date/, "stale_prices"],
  [/missing price|unpriced|no price|without (a )?price/, "missing_prices"],
  [/\bfx\b|exchange rate|currency rate/, "missing_fx"],
  [/concentrat|breach|limit|issuer/, "concentration"],
  [/break|custod|reconcil/, "custodian_breaks"],
  [/negative cash|overdra|cash balance/, "negative_cash"],
];

const ASSET_CLASSES: [RegExp, string][] = [
  [/\b(equit(y|ies)|stocks?|shares)\b/, "Equity"],
  [/\b(bonds?|fixed income|treasur(y|ies)|gilts?|govvies|credit)\b/, "Fixed Income"],
  [/\b(funds?|etfs?)\b/, "Fund"],
  [/\bcash\b/, "Cash"],
];

/** The filter a question names: asset class, sector, region, currency. */
export function filterIn(text: string, q: string, vocab: Vocabulary): HoldingsFilter {
  const filter: HoldingsFilter = {};
  for (const [re, cls] of ASSET_CLASSES) if (re.test(q)) filter.assetClass ??= cls;
  const sector = vocab.sectors.find((s) => q.includes(s.toLowerCase()));
  if (sector) filter.sector = sector;
  else if (/\btech\b/.test(q)) filter.sector = "Information Technology";
  else if (/\b(banks?|financial)\b/.test(q)) filter.sector = "Financials";
  else if (/\b(pharma|healthcare)\b/.test(q)) filter.sector = "Health Care";
  else if (/\b(oil|gas)\b/.test(q)) filter.sector = "Energy";
  const region = vocab.regions.find((r) => q.includes(r.toLowerCase()));
  if (region) filter.region = region;
  else if (/\b(europe(an)?|emea)\b/.test(q)) filter.region = "Europe";
  else if (/\b(asia|apac|japan(ese)?)\b/.test(q)) filter.region = "Asia Pacific";
  else if (/\b(us|american|north america)\b/.test(q)) filter.region = "North America";
  // Currency codes count when written in capitals ("EUR holdings"), or as "in euros".
  const ccy = vocab.currencies.find((c) => new RegExp(`\\b${c}\\b`).test(text));
  if (ccy) filter.currency = ccy;
  else if (/\beuros?\b/.test(q)) filter.currency = "EUR";
  else if (/\b(yen)\b/.test(q)) filter.currency = "JPY";
  else if (/\b(sterling|pounds?)\b/.test(q)) filter.currency = "GBP";
  if (filter.sector === "Cash") delete filter.sector;
  return filter;
}

/** The ticker a question names (as a ticker or by a distinctive word of the name). */
export function tickerIn(text: string, vocab: Vocabulary): string | undefined {
  for (const token of text.match(/[A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9]|[A-Z]/g) ?? []) {
    // All-caps tokens are tickers when they are ("MSFT", "V"); lowercase only when long ("nvda").
    const upper = token.toUpperCase();
    if (vocab.tickers.has(upper) && (token === upper || token.length >= 4) && !/^\d+$/.test(token))
      return upper;
    if (/^\d{4}$/.test(token) && vocab.tickers.has(token)) return token;
  }
  const q = text.toLowerCase();
  for (const [word, ticker] of vocab.nameWords) if (new RegExp(`\\b${word}\\b`).test(q)) return ticker;
  return undefined;
}

function countIn(q: string): number | undefined {
  const digits = q.match(/\b(\d{1,2})\b/);
  if (digits) return Number(digits[1]);
  for (const [w, n] of Object.entries(NUMBER_WORDS)) if (new RegExp(`\\b${w}\\b`).test(q)) return n;
  return undefined;
}

/**
 * Classifies a question.
 * @example classify("Run validations", vocab, {}) // { kind: "validations", highlight: true }
 */
export function classify(text: string, vocab: Vocabulary, page: PageContext): Intent {
  const q = text.toLowerCase().replace(/\s+/g, " ").trim();
  const highlight = /highlight|flag|mark|show me (the )?(rows|positions)/.test(q);

  if (
    /\b(clear|reset|remove)\b.*\b(filter|highlight|selection)s?\b|\bshow (me )?(all|everything)\b/.test(q)
  ) {
    return { kind: "clear" };
  }
  if (
    /\b(selected|this|current) (position|holding|row|security|one)\b|\bexplain (it|this)\b/.test(q) &&
    page.selectedTicker
  ) {
    return { kind: "position", ticker: page.selectedTicker, open: false };
  }
  if (
    /exposure|breakdown|break down|allocation|split|distribution|\bby (sector|region|currency|issuer|asset)/.test(
      q,
    )
  ) {
    const by: ExposureDimension = /currenc|\bfx\b/.test(q)
      ? "currency"
      : /region|countr|geograph/.test(q)
        ? "region"
        : /issuer|counterpart/.test(q)
          ? "issuer"
          : /asset|class|equit|bond/.test(q)
            ? "assetClass"
            : "sector";
    return { kind: "exposure", by };
  }
  const wantsChecks =
    /validat|\bchecks?\b|\bissues?\b|problems?|exceptions?|data quality|anything wrong|pre-?nav/.test(q);
  const checks = CHECK_WORDS.filter(([re]) => re.test(q)).map(([, id]) => id);
  if (!wantsChecks && /\bnav\b|net asset|per share|performance|\breturns?\b|\bytd\b/.test(q)) {
    return {
      kind: "nav",
      history: /histor|trend|over time|chart|month|year|ytd|performance|returns?/.test(q),
    };
  }
  if (wantsChecks || checks.length > 0) {
    const all = /\b(all|every|full|run)\b/.test(q) && !checks.length;
    return {
      kind: "validations",
      ...(all || !checks.length ? {} : { checks }),
      highlight: highlight || !checks.length || wantsChecks,
    };
  }
  if (/\b(top|largest|biggest|main|major|heaviest|smallest|lowest)\b/.test(q)) {
    return {
      kind: "top",
      limit: Math.min(50, countIn(q) ?? 10),
      filter: filterIn(text, q, vocab),
      order: /smallest|lowest/.test(q) ? "asc" : "desc",
      highlight,
    };
  }
  const ticker = tickerIn(text, vocab);
  if (ticker) return { kind: "position", ticker, open: true };
  const filter = filterIn(text, q, vocab);
  if (Object.keys(filter).length > 0) return { kind: "filter", filter };
  return { kind: "help" };
}
