/**
 * What the offline model knows about the book's words: tickers, names, sectors, regions,
 * currencies, asset classes. Built once from the database.
 * @module
 */
import type { Database } from "better-sqlite3";

/** The names the offline model recognizes in a question. */
export interface Vocabulary {
  /** Ticker → name. */
  tickers: Map<string, string>;
  /** Distinctive lowercase word of a name → ticker (e.g. "nvidia" → "NVDA"). */
  nameWords: Map<string, string>;
  sectors: string[];
  regions: string[];
  currencies: string[];
}

// Words that start many names or mean something else in a question.
const GENERIC = new Set(
  "us bank group royal general american advanced home walt eli union energy health real invesco vanguard spdr ishares commonwealth federal republic kingdom government united bund gilt oat btp bonos jgb canada australia cash new core international ford siemens deutsche".split(
    " ",
  ),
);

/** Reads the vocabulary from the instruments table. */
export function loadVocabulary(db: Database): Vocabulary {
  const rows = db
    .prepare("SELECT ticker, name, asset_class AS cls, sector, region, currency FROM instruments")
    .all() as {
    ticker: string;
    name: string;
    cls: string;
    sector: string;
    region: string;
    currency: string;
  }[];
  const tickers = new Map(rows.map((r) => [r.ticker, r.name]));
  const nameWords = new Map<string, string>();
  // Equities first, so "apple" means the share rather than the Apple bond.
  const ordered = [...rows].sort((a, b) => Number(b.cls === "Equity") - Number(a.cls === "Equity"));
  for (const r of ordered) {
    const word = r.name.toLowerCase().split(/[\s.,&']+/)[0] ?? "";
    if (word.length >= 4 && !GENERIC.has(word) && !nameWords.has(word)) nameWords.set(word, r.ticker);
  }
  const distinct = (k: "sector" | "region" | "currency") =>
    [...new Set(rows.map((r) => r[k]))].filter((v) => v !== "Cash").sort();
  return {
    tickers,
    nameWords,
    sectors: distinct("sector"),
    regions: distinct("region"),
    currencies: distinct("currency"),
  };
}
