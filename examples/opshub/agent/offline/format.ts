/**
 * Number formatting for answers: money in USD with k/m/bn, percentages, quantities.
 * @module
 */

/** `$1.33bn`, `$57.5m`, `-$3.74m`, `$912k`. */
export function usd(n: number | null | undefined): string {
  if (n === null || n === undefined) return "n/a";
  const sign = n < 0 ? "-" : "";
  const a = Math.abs(n);
  if (a >= 1e9) return `${sign}$${(a / 1e9).toFixed(2)}bn`;
  if (a >= 1e6) return `${sign}$${(a / 1e6).toFixed(1)}m`;
  if (a >= 1e3) return `${sign}$${(a / 1e3).toFixed(0)}k`;
  return `${sign}$${a.toFixed(2)}`;
}

/** `4.31%`; `+1.20%` with `signed`. */
export function pct(n: number | null | undefined, signed = false): string {
  if (n === null || n === undefined) return "n/a";
  return `${signed && n > 0 ? "+" : ""}${n.toFixed(2)}%`;
}

/** `441,280`. */
export function qty(n: number): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

/** `30 Oct 2026` from `2026-10-30`. */
export function day(iso: string): string {
  const d = new Date(`${iso}T00:00:00Z`);
  return d.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
}

/** Escapes `|` so a value cannot break a Markdown table. */
export function cell(s: string | number): string {
  return String(s).replace(/\|/g, "\\|");
}

/** A Markdown table. */
export function table(head: string[], rows: (string | number)[][]): string {
  const line = (r: (string | number)[]) => `| ${r.map(cell).join(" | ")} |`;
  return [line(head), `|${head.map(() => "---").join("|")}|`, ...rows.map(line)].join("\n");
}

/** "A, B and C". */
export function list(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}
