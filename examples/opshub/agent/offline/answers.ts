/**
 * Writes the final answer of each intent from the tool results of the turn.
 * @module
 */
import type { ExposureResult } from "../portfolio/exposures.js";
import type { HoldingsFilter } from "../portfolio/holdings.js";
import type { NavSummary } from "../portfolio/nav.js";
import type { ValidationReport } from "../portfolio/validations.js";
import type { Holding } from "../portfolio/valuation.js";
import type { compactHolding } from "../tools.js";
import { day, list, pct, qty, table, usd } from "./format.js";

type Compact = ReturnType<typeof compactHolding>;

const DIMENSION_LABEL = {
  sector: "sector",
  assetClass: "asset class",
  region: "region",
  currency: "currency",
  issuer: "issuer",
};

/** Describes a filter in words: "Energy equities in Europe". */
export function describeFilter(f: HoldingsFilter): string {
  const parts = [
    f.sector,
    f.assetClass === "Fixed Income" ? "bonds" : f.assetClass?.toLowerCase(),
    f.currency && `in ${f.currency}`,
    f.region && `in ${f.region}`,
    f.search && `matching "${f.search}"`,
  ];
  return parts.filter(Boolean).join(" ") || "all holdings";
}

/** The validation report in words, with what to do next. */
export function validationAnswer(r: ValidationReport, highlighted: number | undefined): string {
  const failed = r.checks.filter((c) => c.status === "fail");
  const lines: string[] = [];
  if (failed.length === 0) {
    return `All ${r.checks.length} checks passed for **${r.fund}** as of ${day(r.asOf)}. The book is ready for NAV sign-off.`;
  }
  lines.push(
    `I ran ${r.checks.length === 1 ? "the" : r.checks.length} ${r.checks.length === 1 ? "check" : "validations"} on **${r.fund}** as of ${day(r.asOf)}: ` +
      `**${r.summary.errors} ${r.summary.errors === 1 ? "error" : "errors"}**, ${r.summary.warnings} ${r.summary.warnings === 1 ? "warning" : "warnings"}, ${r.summary.passed} passed.`,
    "",
    table(
      ["Check", "Result", "Positions"],
      r.checks.map((c) => [
        c.title,
        c.status === "pass" ? "Pass" : c.severity === "error" ? "**Fail**" : "Warning",
        c.items.length,
      ]),
    ),
    "",
  );
  for (const c of failed) {
    lines.push(`**${c.title}** — ${c.summary}`);
    for (const i of c.items.slice(0, 5)) lines.push(`- \`${i.ticker}\` ${i.name}: ${i.detail}`);
    if (c.items.length > 5) lines.push(`- …and ${c.items.length - 5} more`);
    lines.push("");
  }
  const next: string[] = [];
  if (r.checks.some((c) => c.id === "custodian_breaks" && c.status === "fail"))
    next.push("reconcile the custodian breaks with the custodians");
  if (
    r.checks.some((c) => c.id === "missing_prices" && c.status === "fail") ||
    r.checks.some((c) => c.id === "missing_fx" && c.status === "fail")
  )
    next.push("source the missing prices and FX rates before the NAV is struck");
  if (r.checks.some((c) => c.id === "concentration" && c.status === "fail"))
    next.push("escalate the limit breaches to compliance");
  if (next.length) lines.push(`Next steps: ${list(next)}.`);
  if (highlighted)
    lines.push(
      `I've highlighted the ${highlighted} affected ${highlighted === 1 ? "row" : "rows"} in the table.`,
    );
  return lines.join("\n").trim();
}

/** Top holdings as a table. */
export function holdingsAnswer(
  r: { matched: number; totalWeightPct: number; holdings: Compact[]; filter?: HoldingsFilter },
  order: "asc" | "desc",
  highlighted: number | undefined,
): string {
  if (r.holdings.length === 0) return `No holdings match ${describeFilter(r.filter ?? {})}.`;
  const what = describeFilter(r.filter ?? {});
  const head = `${order === "desc" ? "The largest" : "The smallest"} ${r.holdings.length} of ${r.matched} ${what === "all holdings" ? "holdings" : what}:`;
  const rows = r.holdings.map((h, i) => [
    i + 1,
    `\`${h.ticker}\``,
    h.name,
    usd(h.marketValueUsd),
    pct(h.weightPct),
  ]);
  const shown = r.holdings.reduce((s, h) => s + (h.weightPct ?? 0), 0);
  const tail = `Together they are **${pct(shown)}** of NAV${r.matched > r.holdings.length ? ` (all ${r.matched} matching: ${pct(r.totalWeightPct)})` : ""}.`;
  return [
    head,
    "",
    table(["#", "Ticker", "Name", "Value", "Weight"], rows),
    "",
    tail,
    highlighted ? `I've highlighted them in the table.` : "",
  ]
    .join("\n")
    .trim();
}

/** An exposure breakdown as a table with a comment on the largest group. */
export function exposureAnswer(r: ExposureResult): string {
  const rows = r.rows.slice(0, 12);
  const first = r.rows[0];
  const lines = [
    `Exposure by ${DIMENSION_LABEL[r.by]} as of ${day(r.asOf)} (NAV ${usd(r.navUsd)}):`,
    "",
    table(
      [DIMENSION_LABEL[r.by][0]!.toUpperCase() + DIMENSION_LABEL[r.by].slice(1), "Value", "Weight"],
      rows.map((x) => [`${x.key} (${x.holdings})`, usd(x.marketValueUsd), pct(x.weightPct)]),
    ),
  ];
  if (r.rows.length > rows.length) lines.push("", `…and ${r.rows.length - rows.length} smaller groups.`);
  if (first) lines.push("", `**${first.key}** is the largest at ${pct(first.weightPct)} of NAV.`);
  const unvalued = r.rows.filter((x) => x.unvalued > 0);
  if (unvalued.length)
    lines.push(
      `${list(unvalued.map((x) => x.key))} ${unvalued.length === 1 ? "includes" : "include"} positions without a price or FX rate, counted at zero — run the validations for details.`,
    );
  return lines.join("\n");
}

/** The NAV and its changes. */
export function navAnswer(r: NavSummary & { history?: { date: string; navPerShare: number }[] }): string {
  const c = r.changePct;
  const lines = [
    `**${r.fund}** — NAV as of ${day(r.asOf)}: **${usd(r.navUsd)}**, ${r.sharesOutstanding.toLocaleString("en-US")} shares outstanding, **$${r.navPerShare.toFixed(2)} per share**.`,
    "",
    table(
      ["Period", "NAV per share change"],
      [
        ["1 day", pct(c.day, true)],
        ["1 month", pct(c.month, true)],
        ["Year to date", pct(c.ytd, true)],
        ["1 year", pct(c.year, true)],
      ],
    ),
  ];
  if (r.history?.length) {
    lines.push(
      "",
      "History (NAV per share):",
      "",
      table(
        ["Date", "NAV/share"],
        r.history.map((p) => [day(p.date), `$${p.navPerShare.toFixed(2)}`]),
      ),
    );
  }
  if (r.unvaluedPositions)
    lines.push(
      "",
      `Note: ${r.unvaluedPositions} positions are not in this NAV because they have no price or FX rate.`,
    );
  return lines.join("\n");
}

/** One position explained: value, weight, price freshness, reconciliation. */
export function positionAnswer(
  r: { asOf: string; staleAfterBusinessDays: number; holding: Holding } | { error: string },
  opened: boolean,
): string {
  if ("error" in r) return r.error;
  const h = r.holding;
  const lines = [
    `**${h.name}** (\`${h.ticker}\`) — ${h.assetClass}, ${h.sector}, ${h.region}, traded in ${h.currency}.`,
    "",
  ];
  if (h.marketValueUsd !== null)
    lines.push(`- Market value **${usd(h.marketValueUsd)}**, **${pct(h.weightPct)}** of NAV.`);
  else
    lines.push(
      `- **Not valued**: ${h.price === null ? "there is no price" : `there is no ${h.currency}/USD FX rate`} for ${day(r.asOf)}, so it is left out of the NAV.`,
    );
  lines.push(
    `- Quantity ${qty(h.quantity)}${h.assetClass === "Fixed Income" ? " nominal" : ""}${h.price !== null ? ` at ${h.currency} ${qty(h.price)}${h.assetClass === "Fixed Income" ? " (per 100)" : ""}, priced ${day(h.priceDate!)}` : ""}.`,
  );
  if (h.priceDate && h.priceDate < r.asOf)
    lines.push(
      `- **Stale price**: older than the valuation date (${day(r.asOf)}); check it with the pricing team.`,
    );
  if (h.costPrice !== null && h.price !== null && h.assetClass !== "Cash") {
    const gain = ((h.price - h.costPrice) / h.costPrice) * 100;
    lines.push(
      `- Cost ${h.currency} ${qty(h.costPrice)}: ${gain >= 0 ? "an unrealised gain" : "an unrealised loss"} of ${pct(Math.abs(gain))}.`,
    );
  }
  if (h.couponPct !== null) lines.push(`- Coupon ${h.couponPct}%, matures ${h.maturityYear}.`);
  if (h.quantity !== h.custodianQuantity)
    lines.push(
      `- **Custodian break**: ${h.custodian} holds ${qty(h.custodianQuantity)} against ${qty(h.quantity)} in the book (difference ${qty(h.custodianQuantity - h.quantity)}).`,
    );
  else lines.push(`- Reconciled with ${h.custodian}.`);
  if (h.assetClass === "Cash" && h.quantity < 0)
    lines.push(`- **Overdrawn** by ${h.currency} ${qty(-h.quantity)}.`);
  if (opened) lines.push("", "I've opened its detail panel.");
  return lines.join("\n");
}

/** What the assistant can do, with questions to try. */
export function helpAnswer(offline: boolean): string {
  return [
    "I can analyse the fund's holdings, run the pre-NAV validations and answer questions about the portfolio. Try:",
    "",
    "- **Run validations** — stale and missing prices, FX, concentration, custodian breaks, negative cash",
    "- **Top 10 holdings** (or *largest bond positions*)",
    "- **Exposure by currency** (sector, region, asset class, issuer)",
    "- **What's the NAV?** or *NAV history*",
    "- **Tell me about NVDA**, or select a row and ask *explain the selected position*",
    "- **Show energy holdings**, **highlight the breaks**, **clear filters**",
    ...(offline
      ? [
          "",
          "_I'm running on the built-in offline model: set OPENAI_API_KEY or ANTHROPIC_API_KEY for a real one._",
        ]
      : []),
  ].join("\n");
}
