/**
 * The OpsHub database: one fund, its instruments and positions, prices, FX rates, issuer
 * limits and NAV history. A position's market value is
 * `book_quantity × price × price_factor × usd_per_unit` (bonds are priced per 100 nominal,
 * so their `price_factor` is 0.01).
 * @module
 */

/** DDL, idempotent. */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS fund (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  name TEXT NOT NULL,
  base_currency TEXT NOT NULL,
  as_of_date TEXT NOT NULL,
  stale_after_business_days INTEGER NOT NULL,
  default_issuer_limit_pct REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS instruments (
  ticker TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  asset_class TEXT NOT NULL CHECK (asset_class IN ('Equity', 'Fixed Income', 'Fund', 'Cash')),
  sector TEXT NOT NULL,
  issuer TEXT NOT NULL,
  country TEXT NOT NULL,
  region TEXT NOT NULL,
  currency TEXT NOT NULL,
  price_factor REAL NOT NULL DEFAULT 1,
  coupon_pct REAL,
  maturity_year INTEGER
);
CREATE TABLE IF NOT EXISTS positions (
  ticker TEXT PRIMARY KEY REFERENCES instruments(ticker),
  book_quantity REAL NOT NULL,
  custodian_quantity REAL NOT NULL,
  custodian TEXT NOT NULL,
  cost_price REAL
);
CREATE TABLE IF NOT EXISTS prices (
  ticker TEXT PRIMARY KEY REFERENCES instruments(ticker),
  price REAL NOT NULL,
  price_date TEXT NOT NULL,
  source TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS fx_rates (
  currency TEXT PRIMARY KEY,
  usd_per_unit REAL NOT NULL,
  rate_date TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS issuer_limits (
  issuer TEXT PRIMARY KEY,
  max_weight_pct REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS nav_history (
  date TEXT PRIMARY KEY,
  nav_usd REAL NOT NULL,
  shares_outstanding REAL NOT NULL,
  nav_per_share REAL NOT NULL
);
`;

/** Bumped when the schema or the seed changes, so an old .data file is rebuilt. */
export const DATA_VERSION = 1;
