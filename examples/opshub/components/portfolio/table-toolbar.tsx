"use client";
import { usd } from "@/agent/offline/format";
import type { Holding } from "@/lib/types";
import { EMPTY_FILTER, optionsOf, type TableFilter } from "./filtering";
import styles from "./portfolio.module.css";

const SELECTS = [
  ["assetClass", "All asset classes"],
  ["sector", "All sectors"],
  ["region", "All regions"],
  ["currency", "All currencies"],
] as const;

/** Search, filters and the row count above the table. */
export function TableToolbar(props: {
  holdings: Holding[];
  filter: TableFilter;
  onChange(filter: TableFilter): void;
  shown: number;
  navUsd: number;
  asOf: string;
}) {
  const { holdings, filter, onChange } = props;
  const active = Object.values(filter).some(Boolean);
  return (
    <div className={styles.toolbar}>
      <input
        className={styles.search}
        type="search"
        placeholder="Search ticker or name…"
        value={filter.search}
        onChange={(e) => onChange({ ...filter, search: e.target.value })}
        aria-label="Search holdings"
      />
      {SELECTS.map(([key, all]) => (
        <select
          key={key}
          className={styles.select}
          value={filter[key]}
          onChange={(e) => onChange({ ...filter, [key]: e.target.value })}
          aria-label={all}
          data-active={filter[key] ? "" : undefined}
        >
          <option value="">{all}</option>
          {optionsOf(holdings, key).map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      ))}
      {active ? (
        <button type="button" className={styles.clear} onClick={() => onChange(EMPTY_FILTER)}>
          Clear filters
        </button>
      ) : null}
      <span className={styles.count} data-testid="row-count">
        {props.shown === holdings.length
          ? `${holdings.length} holdings`
          : `${props.shown} of ${holdings.length} holdings`}{" "}
        · NAV {usd(props.navUsd)}
      </span>
    </div>
  );
}
