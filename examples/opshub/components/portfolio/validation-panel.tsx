"use client";
/**
 * The latest validation run, live: the agent's shared state (`useCoAgent`) as it streams,
 * check by check. Empty until the assistant runs the validations.
 */
import { useState } from "react";
import { useAssistant } from "@/components/assistant/assistant-context";
import type { LiveCheck, ValidationState } from "@/lib/types";
import styles from "./validation.module.css";

const SUGGESTIONS = ["Run validations", "Top 10 holdings", "Exposure by currency", "Highlight the breaks"];

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function statusLabel(c: LiveCheck): string {
  if (c.status === "pending") return "Queued";
  if (c.status === "running") return "Running…";
  if (c.status === "pass") return "Pass";
  return `${"items" in c ? c.items.length : 0} ${c.severity === "error" ? "failing" : "to review"}`;
}

/** The panel. `onSelect` opens a position named by a finding. */
export function ValidationPanel({
  validation,
  agentRunning,
  onSelect,
}: {
  validation: ValidationState | undefined;
  /** Whether the agent is still working: a "running" validation without it was stopped. */
  agentRunning: boolean;
  onSelect(ticker: string): void;
}) {
  const { ask } = useAssistant();
  const [openCheck, setOpenCheck] = useState<string | null>(null);
  if (!validation) {
    return (
      <section className={styles.panel} data-testid="validation-panel" data-status="empty">
        <div className={styles.head}>
          <h2>Pre-NAV validations</h2>
          <span className={styles.muted}>Not run yet for this conversation</span>
        </div>
        <p className={styles.lead}>
          Ask the Portfolio Assistant to check prices, FX, concentration limits, custodian breaks and cash
          before the NAV is struck.
        </p>
        <div className={styles.chips}>
          {SUGGESTIONS.map((s) => (
            <button key={s} type="button" className={styles.chip} onClick={() => ask(s)}>
              {s}
            </button>
          ))}
        </div>
      </section>
    );
  }
  const stopped = validation.status === "running" && !agentRunning;
  const running = validation.status === "running" && agentRunning;
  const done = validation.checks.filter((c) => c.status !== "pending" && c.status !== "running").length;
  return (
    <section
      className={styles.panel}
      data-testid="validation-panel"
      data-status={stopped ? "stopped" : validation.status}
    >
      <div className={styles.head}>
        <h2>Pre-NAV validations</h2>
        <span className={styles.muted}>
          {running
            ? `Running ${done + 1} of ${validation.checks.length}…`
            : `Ran ${new Date(validation.startedAt).toLocaleTimeString()} · as of ${validation.asOf}`}
        </span>
        {validation.summary ? (
          <span className={styles.summary}>
            <span className={styles.sErr}>{plural(validation.summary.errors, "error")}</span>
            <span className={styles.sWarn}>{plural(validation.summary.warnings, "warning")}</span>
            <span className={styles.sPass}>{validation.summary.passed} passed</span>
          </span>
        ) : null}
        <button
          type="button"
          className={styles.rerun}
          onClick={() => ask("Run validations")}
          disabled={running}
        >
          Re-run
        </button>
      </div>
      <ul className={styles.checks}>
        {validation.checks.map((c) => {
          const items = "items" in c ? c.items : [];
          const expanded = openCheck === c.id && items.length > 0;
          return (
            <li
              key={c.id}
              className={styles.check}
              data-status={c.status}
              data-severity={c.severity}
              data-testid={`check-${c.id}`}
            >
              <button
                type="button"
                className={styles.checkHead}
                onClick={() => setOpenCheck(expanded ? null : c.id)}
                aria-expanded={expanded}
                disabled={!items.length}
              >
                <span className={styles.icon} aria-hidden="true" />
                <span className={styles.checkTitle}>{c.title}</span>
                <span className={styles.checkStatus}>
                  {stopped && (c.status === "pending" || c.status === "running") ? "Not run" : statusLabel(c)}
                </span>
              </button>
              {"summary" in c && c.status === "fail" ? (
                <p className={styles.checkSummary}>{c.summary}</p>
              ) : null}
              {expanded ? (
                <ul className={styles.items}>
                  {items.map((i) => (
                    <li key={i.ticker}>
                      <button type="button" onClick={() => onSelect(i.ticker)} className={styles.ticker}>
                        {i.ticker}
                      </button>
                      <span>{i.detail}</span>
                    </li>
                  ))}
                </ul>
              ) : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
