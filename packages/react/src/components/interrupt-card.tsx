/**
 * What the chat shows when the agent pauses for the user (a run that finished with an
 * interrupt outcome): the agent's question, and buttons to continue or cancel.
 * @module
 */
import type { Interrupt } from "@ag-ui/core";
import type { ReactNode } from "react";

/** Props of the interrupt view; a replacement `renderInterrupt` receives the same. */
export interface InterruptProps {
  interrupt: Interrupt;
  /** Continues the run with `payload` as the answer. */
  resolve(payload?: unknown): void;
  /** Declines: the run continues knowing the user said no. */
  cancel(): void;
}

/** The default interrupt card. */
export function InterruptCard({ interrupt, resolve, cancel }: InterruptProps): ReactNode {
  return (
    <div className="bc-interrupt">
      <p className="bc-interrupt-text">{interrupt.message ?? interrupt.reason}</p>
      <div className="bc-interrupt-actions">
        <button
          type="button"
          className="bc-button bc-button-primary"
          onClick={() => resolve({ approved: true })}
        >
          Continue
        </button>
        <button type="button" className="bc-button" onClick={cancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
