import { pct, usd } from "@/agent/offline/format";
import type { ExposureRow } from "@/lib/types";
import styles from "./nav.module.css";

/** An exposure breakdown as horizontal bars. */
export function ExposureBars({ title, rows }: { title: string; rows: ExposureRow[] }) {
  const max = Math.max(...rows.map((r) => r.weightPct), 1);
  return (
    <section className={styles.card}>
      <h2>{title}</h2>
      <ul className={styles.bars}>
        {rows.slice(0, 8).map((r) => (
          <li key={r.key}>
            <span className={styles.barLabel}>{r.key}</span>
            <span className={styles.barTrack}>
              <span className={styles.bar} style={{ width: `${Math.max(0, (r.weightPct / max) * 100)}%` }} />
            </span>
            <span className="num">{pct(r.weightPct)}</span>
            <span className={`num ${styles.barValue}`}>{usd(r.marketValueUsd)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
