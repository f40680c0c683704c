import type { NavPoint } from "@/lib/types";
import styles from "./nav.module.css";

/** NAV per share over the year, as a server-rendered SVG line with month ticks. */
export function NavChart({ points }: { points: NavPoint[] }) {
  const w = 1280;
  const h = 300;
  const pad = { l: 48, r: 12, t: 12, b: 26 };
  const values = points.map((p) => p.navPerShare);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const x = (i: number) => pad.l + (i / Math.max(1, points.length - 1)) * (w - pad.l - pad.r);
  const y = (v: number) => pad.t + (1 - (v - min) / (max - min || 1)) * (h - pad.t - pad.b);
  const line = points
    .map((p, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(p.navPerShare).toFixed(1)}`)
    .join("");
  const area = `${line}L${x(points.length - 1)},${h - pad.b}L${x(0)},${h - pad.b}Z`;
  const ticks = points
    .map((p, i) => ({ p, i }))
    // One tick per month start; the partial first month gets none, so labels never collide.
    .filter(({ p, i }) => i > 0 && p.date.slice(5, 7) !== points[i - 1]!.date.slice(5, 7));
  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => min + f * (max - min));
  return (
    <svg
      viewBox={`0 0 ${w} ${h}`}
      className={styles.chart}
      role="img"
      aria-label="NAV per share, last 12 months"
    >
      <defs>
        <linearGradient id="navFill" x1="0" x2="0" y1="0" y2="1">
          <stop offset="0%" stopColor="#2f54eb" stopOpacity="0.18" />
          <stop offset="100%" stopColor="#2f54eb" stopOpacity="0" />
        </linearGradient>
      </defs>
      {grid.map((v) => (
        <g key={v}>
          <line x1={pad.l} x2={w - pad.r} y1={y(v)} y2={y(v)} stroke="#eef0f3" />
          <text x={pad.l - 8} y={y(v) + 4} textAnchor="end" className={styles.axis}>
            {v.toFixed(0)}
          </text>
        </g>
      ))}
      {ticks.map(({ p, i }) => (
        <text key={p.date} x={x(i)} y={h - 8} textAnchor="middle" className={styles.axis}>
          {new Date(`${p.date}T00:00:00Z`).toLocaleDateString("en-GB", { month: "short", timeZone: "UTC" })}
        </text>
      ))}
      <path d={area} fill="url(#navFill)" />
      <path d={line} fill="none" stroke="#2f54eb" strokeWidth="2" />
    </svg>
  );
}
