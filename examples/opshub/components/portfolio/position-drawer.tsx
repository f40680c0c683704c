"use client";
import { useEffect } from "react";
import { pct, qty, usd } from "@/agent/offline/format";
import { useAssistant } from "@/components/assistant/assistant-context";
import type { Holding } from "@/lib/types";
import styles from "./portfolio.module.css";

/** One position in detail, beside the table. Esc closes it. */
export function PositionDrawer({
  holding: h,
  asOf,
  flags,
  onClose,
}: {
  holding: Holding;
  asOf: string;
  flags: { title: string; severity: string }[];
  onClose(): void;
}) {
  const { ask } = useAssistant();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  const rows: [string, string][] = [
    ["Asset class", h.assetClass],
    ["Sector", h.sector],
    ["Issuer", h.issuer],
    ["Region", `${h.region} (${h.country})`],
    ["Currency", h.currency],
    ["Book quantity", qty(h.quantity)],
    ["Custodian quantity", `${qty(h.custodianQuantity)} (${h.custodian})`],
    [
      "Price",
      h.price === null
        ? "missing"
        : `${h.currency} ${qty(h.price)}${h.assetClass === "Fixed Income" ? " per 100" : ""}`,
    ],
    ["Price date", h.priceDate ? `${h.priceDate}${h.priceDate < asOf ? " (stale)" : ""}` : "—"],
    ["FX (USD per unit)", h.fxRate === null ? "missing" : String(h.fxRate)],
    ["Market value", h.marketValueUsd === null ? "not valued" : usd(h.marketValueUsd)],
    ["Weight", pct(h.weightPct)],
    ...(h.couponPct !== null
      ? ([["Coupon / maturity", `${h.couponPct}% · ${h.maturityYear}`]] as [string, string][])
      : []),
  ];
  return (
    <aside className={styles.drawer} aria-label={`${h.ticker} details`} data-testid="position-drawer">
      <header className={styles.drawerHead}>
        <div>
          <div className="mono">{h.ticker}</div>
          <h3>{h.name}</h3>
        </div>
        <button type="button" className={styles.close} onClick={onClose} aria-label="Close details">
          ×
        </button>
      </header>
      {flags.length ? (
        <div className={styles.drawerFlags}>
          {flags.map((f) => (
            <span key={f.title} className={f.severity === "error" ? styles.flagError : styles.flagWarn}>
              {f.title}
            </span>
          ))}
        </div>
      ) : null}
      <dl className={styles.facts}>
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      <button type="button" className={styles.askButton} onClick={() => ask("Explain the selected position")}>
        Ask the assistant about {h.ticker}
      </button>
    </aside>
  );
}
