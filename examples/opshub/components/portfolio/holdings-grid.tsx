"use client";
import { pct, qty, usd } from "@/agent/offline/format";
import type { Holding } from "@/lib/types";
import type { TableSort } from "./filtering";
import styles from "./portfolio.module.css";

const COLUMNS: { key: TableSort["key"]; label: string; numeric?: boolean }[] = [
  { key: "ticker", label: "Ticker" },
  { key: "name", label: "Name" },
  { key: "assetClass", label: "Class" },
  { key: "sector", label: "Sector" },
  { key: "currency", label: "Ccy" },
  { key: "quantity", label: "Quantity", numeric: true },
  { key: "price", label: "Price", numeric: true },
  { key: "priceDate", label: "Priced" },
  { key: "marketValueUsd", label: "Market value (USD)", numeric: true },
  { key: "weightPct", label: "Weight", numeric: true },
];

type Flag = { title: string; severity: "error" | "warning" };

/** The holdings table: sortable headers, highlighted and flagged rows, click to open. */
export function HoldingsGrid(props: {
  rows: Holding[];
  sort: TableSort;
  onSort(sort: TableSort): void;
  selected: string | null;
  highlighted: Set<string> | undefined;
  flags: Map<string, Flag[]>;
  onOpen(ticker: string): void;
  asOf: string;
}) {
  const { rows, sort, onSort } = props;
  const toggle = (key: TableSort["key"], numeric?: boolean) =>
    onSort(
      sort.key === key
        ? { key, dir: sort.dir === "asc" ? "desc" : "asc" }
        : { key, dir: numeric ? "desc" : "asc" },
    );
  return (
    <div className={styles.gridScroll} data-scroll-box="">
      <table className={styles.grid}>
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th
                key={c.key}
                data-col={c.key}
                className={c.numeric ? "num" : undefined}
                aria-sort={sort.key === c.key ? (sort.dir === "asc" ? "ascending" : "descending") : undefined}
              >
                <button type="button" onClick={() => toggle(c.key, c.numeric)}>
                  {c.label}
                  <span className={styles.sortMark}>
                    {sort.key === c.key ? (sort.dir === "asc" ? "▲" : "▼") : ""}
                  </span>
                </button>
              </th>
            ))}
            <th>Flags</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((h) => {
            const flags = props.flags.get(h.ticker) ?? [];
            return (
              <tr
                key={h.ticker}
                data-ticker={h.ticker}
                data-highlighted={props.highlighted?.has(h.ticker) ? "" : undefined}
                aria-selected={props.selected === h.ticker}
                onClick={() => props.onOpen(h.ticker)}
                className={styles.row}
              >
                <td className="mono">{h.ticker}</td>
                <td className={styles.name}>{h.name}</td>
                <td data-col="assetClass">{h.assetClass}</td>
                <td data-col="sector" className={styles.dim}>
                  {h.sector}
                </td>
                <td className="mono">{h.currency}</td>
                <td className="num">{qty(h.quantity)}</td>
                <td className="num">
                  {h.price === null ? <span className={styles.missing}>—</span> : qty(h.price)}
                </td>
                <td
                  data-col="priceDate"
                  className={h.priceDate && h.priceDate < props.asOf ? styles.stale : styles.dim}
                >
                  {h.priceDate ?? "—"}
                </td>
                <td className="num">
                  {h.marketValueUsd === null ? (
                    <span className={styles.missing}>not valued</span>
                  ) : (
                    usd(h.marketValueUsd)
                  )}
                </td>
                <td className="num">{h.weightPct === null ? "—" : pct(h.weightPct)}</td>
                <td>
                  {flags.map((f) => (
                    <span
                      key={f.title}
                      className={f.severity === "error" ? styles.flagError : styles.flagWarn}
                      title={f.title}
                    >
                      {f.title}
                    </span>
                  ))}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {rows.length === 0 ? <p className={styles.empty}>No holdings match these filters.</p> : null}
    </div>
  );
}
