"use client";
/**
 * The Portfolio Holdings workspace: validation panel, filters, the sortable table and the
 * position drawer. It gives the assistant three tools in the browser (filter the table,
 * highlight rows, open a position) and shares what the user is looking at (filter and
 * selection) as readable context.
 */
import { useCoAgent, useCopilotAction, useCopilotReadable } from "@backchannel/react";
import { useCallback, useMemo, useState } from "react";
import type { AgentState, FundInfo, Holding, ValidationState } from "@/lib/types";
import { applyView, EMPTY_FILTER, type TableFilter, type TableSort } from "./filtering";
import { HoldingsGrid } from "./holdings-grid";
import styles from "./portfolio.module.css";
import { PositionDrawer } from "./position-drawer";
import { TableToolbar } from "./table-toolbar";
import { ValidationPanel } from "./validation-panel";

/** Props: the book as the server loaded it, and the conversation's saved agent state. */
export interface PortfolioWorkspaceProps {
  fund: FundInfo;
  navUsd: number;
  holdings: Holding[];
  savedState: AgentState;
}

/** Scrolls only the table (scrollIntoView would also scroll the page shell). */
function scrollRowIntoView(ticker: string): void {
  const row = document.querySelector<HTMLElement>(`[data-ticker="${CSS.escape(ticker)}"]`);
  const box = row?.closest<HTMLElement>("[data-scroll-box]");
  if (!row || !box) return;
  box.scrollTo({ top: Math.max(0, row.offsetTop - box.clientHeight / 3), behavior: "smooth" });
}

const FILTER_KEYS = ["assetClass", "sector", "region", "currency", "search"] as const;

export function PortfolioWorkspace({ fund, navUsd, holdings, savedState }: PortfolioWorkspaceProps) {
  const [filter, setFilter] = useState<TableFilter>(EMPTY_FILTER);
  const [sort, setSort] = useState<TableSort>({ key: "marketValueUsd", dir: "desc" });
  const [selected, setSelected] = useState<string | null>(null);
  const [drawer, setDrawer] = useState<string | null>(null);
  const [highlight, setHighlight] = useState<{ tickers: Set<string>; reason: string } | null>(null);
  const { state, running } = useCoAgent<AgentState>({ name: "opshub-nav-agent", initialState: savedState });
  // The live state wins; the saved one shows the last results after a reload.
  const validation: ValidationState | undefined = state.validation ?? savedState.validation;

  const rows = useMemo(() => applyView(holdings, filter, sort), [holdings, filter, sort]);
  const byTicker = useMemo(() => new Map(holdings.map((h) => [h.ticker, h])), [holdings]);
  const flags = useMemo(() => {
    const map = new Map<string, { title: string; severity: "error" | "warning" }[]>();
    for (const c of validation?.checks ?? []) {
      if (c.status !== "fail") continue;
      for (const item of c.items)
        map.set(item.ticker, [...(map.get(item.ticker) ?? []), { title: c.title, severity: c.severity }]);
    }
    return map;
  }, [validation]);

  const openPosition = useCallback((ticker: string) => {
    setSelected(ticker);
    setDrawer(ticker);
  }, []);

  useCopilotReadable({
    description: "Holdings table view (filter and selection)",
    value: {
      filter: Object.fromEntries(Object.entries(filter).filter(([, v]) => v)),
      sort,
      visibleRows: rows.length,
      totalRows: holdings.length,
      selectedTicker: selected,
      highlightedTickers: highlight ? [...highlight.tickers] : [],
    },
  });

  useCopilotAction<Partial<TableFilter>>({
    name: "filterHoldings",
    description:
      "Filter the holdings table the user sees. Pass only the criteria to apply; pass none to clear every filter. Values: assetClass Equity | Fixed Income | Fund | Cash; sector, region and currency as shown in the table; search matches ticker or name.",
    parameters: FILTER_KEYS.map((name) => ({ name, type: "string" as const, required: false })),
    handler: (args) => {
      const next = {
        ...EMPTY_FILTER,
        ...Object.fromEntries(FILTER_KEYS.map((k) => [k, String(args[k] ?? "")])),
      };
      setFilter(next);
      const count = applyView(holdings, next, sort).length;
      return `The table now shows ${count} of ${holdings.length} holdings.`;
    },
  });

  useCopilotAction<{ tickers: string[]; reason?: string }>({
    name: "highlightHoldings",
    description:
      "Highlight rows of the holdings table (e.g. positions that failed validation). An empty list clears the highlight.",
    parameters: [
      { name: "tickers", type: "string[]", description: "Tickers to highlight" },
      { name: "reason", type: "string", description: "Why, shown above the table", required: false },
    ],
    handler: ({ tickers, reason }) => {
      const known = (tickers ?? []).filter((t) => byTicker.has(t));
      setHighlight(
        known.length ? { tickers: new Set(known), reason: reason ?? "Highlighted by the assistant" } : null,
      );
      if (known.length) {
        // Make sure the rows are visible: a filter that hides them would defeat the point.
        setFilter(EMPTY_FILTER);
        requestAnimationFrame(() => scrollRowIntoView(known[0]!));
      }
      return known.length ? `Highlighted ${known.length} rows.` : "Cleared the highlight.";
    },
  });

  useCopilotAction<{ ticker: string }>({
    name: "openPosition",
    description: "Open the detail panel of one position in the holdings table and select it.",
    parameters: [{ name: "ticker", type: "string", description: "The position's ticker" }],
    handler: ({ ticker }) => {
      const h =
        byTicker.get(ticker) ?? holdings.find((x) => x.ticker.toLowerCase() === String(ticker).toLowerCase());
      if (!h) throw new Error(`No position with ticker ${ticker}`);
      openPosition(h.ticker);
      return `Opened ${h.ticker} (${h.name}).`;
    },
  });

  const drawerHolding = drawer ? byTicker.get(drawer) : undefined;
  return (
    <div className={styles.workspace}>
      <ValidationPanel validation={validation} agentRunning={running} onSelect={openPosition} />
      <section className={styles.tableCard} aria-label="Holdings">
        <TableToolbar
          holdings={holdings}
          filter={filter}
          onChange={setFilter}
          shown={rows.length}
          navUsd={navUsd}
          asOf={fund.asOf}
        />
        {highlight ? (
          <div className={styles.highlightBar} data-testid="highlight-bar">
            <strong>{highlight.tickers.size} rows highlighted</strong>
            <span>{highlight.reason}</span>
            <button type="button" onClick={() => setHighlight(null)}>
              Clear
            </button>
          </div>
        ) : null}
        <HoldingsGrid
          rows={rows}
          sort={sort}
          onSort={setSort}
          selected={selected}
          highlighted={highlight?.tickers}
          flags={flags}
          onOpen={openPosition}
          asOf={fund.asOf}
        />
      </section>
      {drawerHolding ? (
        <PositionDrawer
          holding={drawerHolding}
          asOf={fund.asOf}
          flags={flags.get(drawerHolding.ticker) ?? []}
          onClose={() => setDrawer(null)}
        />
      ) : null}
    </div>
  );
}
