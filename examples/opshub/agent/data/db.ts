/**
 * Opens the OpsHub SQLite database, creating and seeding it on first use.
 * @module
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { loadBook } from "../portfolio/valuation.js";
import { DATA_VERSION, SCHEMA } from "./schema.js";
import { AS_OF, businessDaysBefore, createRandom, generateSeed } from "./seed.js";

/** The fund's name in the UI and in answers. */
export const FUND_NAME = "OpsHub Global Balanced Fund";

/**
 * Opens (and if needed creates and seeds) the database at `file`; `":memory:"` for tests.
 * A file written by an older seed (`user_version` differs) is rebuilt.
 * @example const db = openDatabase("examples/opshub/.data/opshub.db");
 */
export function openDatabase(file: string): Database.Database {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = ON");
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version !== DATA_VERSION) {
    db.transaction(() => {
      for (const t of [
        "nav_history",
        "issuer_limits",
        "fx_rates",
        "prices",
        "positions",
        "instruments",
        "fund",
      ])
        db.exec(`DROP TABLE IF EXISTS ${t}`);
      db.exec(SCHEMA);
      seed(db);
      db.pragma(`user_version = ${DATA_VERSION}`);
    })();
  }
  return db;
}

function seed(db: Database.Database): void {
  const data = generateSeed();
  db.prepare(
    `INSERT INTO fund (id, name, base_currency, as_of_date, stale_after_business_days, default_issuer_limit_pct)
     VALUES (1, ?, 'USD', ?, 2, 5)`,
  ).run(FUND_NAME, AS_OF);
  const inst = db.prepare(
    `INSERT INTO instruments VALUES (@ticker, @name, @asset_class, @sector, @issuer, @country, @region,
       @currency, @price_factor, @coupon_pct, @maturity_year)`,
  );
  for (const row of data.instruments) inst.run(row);
  const pos = db.prepare(
    "INSERT INTO positions VALUES (@ticker, @book_quantity, @custodian_quantity, @custodian, @cost_price)",
  );
  for (const row of data.positions) pos.run(row);
  const price = db.prepare("INSERT INTO prices VALUES (@ticker, @price, @price_date, @source)");
  for (const row of data.prices) price.run(row);
  const fx = db.prepare("INSERT INTO fx_rates VALUES (@currency, @usd_per_unit, @rate_date)");
  for (const row of data.fx) fx.run(row);
  const limit = db.prepare("INSERT INTO issuer_limits VALUES (@issuer, @max_weight_pct)");
  for (const row of data.limits) limit.run(row);
  seedNavHistory(db);
}

/**
 * One year of daily NAVs ending at today's computed NAV: a random walk in NAV per share,
 * walked backwards, with a few subscriptions and redemptions moving the share count.
 */
function seedNavHistory(db: Database.Database): void {
  const rand = createRandom(7);
  const nav = loadBook(db).navUsd;
  let navPerShare = 124.37;
  let shares = Math.round(nav / navPerShare);
  navPerShare = nav / shares;
  const insert = db.prepare("INSERT INTO nav_history VALUES (?, ?, ?, ?)");
  for (let day = 0; day < 261; day++) {
    const date = businessDaysBefore(AS_OF, day);
    insert.run(
      date,
      Math.round(navPerShare * shares * 100) / 100,
      shares,
      Math.round(navPerShare * 10_000) / 10_000,
    );
    // Box-Muller normal returns: ~0.7% daily volatility, a slight upward drift.
    const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    navPerShare /= 1 + 0.00035 + 0.0068 * z;
    if (rand() < 0.06) shares = Math.round(shares * (1 + (rand() - 0.55) * 0.03));
  }
}
