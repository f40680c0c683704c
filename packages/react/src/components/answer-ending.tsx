/**
 * What the log shows under an answer that ended before it was complete: the latest answer cut
 * off by a failure gets a notice saying so, in plain words, with a Retry button (the same look
 * as a failed answer's error); a stopped answer, or an older interrupted one, gets a small tag.
 * @module
 */
import type { AnswerEnding, BackchannelError } from "@backchannel/client";
import type { ReactNode } from "react";
import { describeError } from "./error-text.js";
import { RetryIcon } from "./icons.js";
import type { ChatLabels } from "./labels.js";

/** A stored run that failed says no more than that it failed. */
const RUN_FAILED = { code: "run_failed" } as unknown as BackchannelError;

/** Props of `AnswerEndingNote`. */
export interface AnswerEndingProps {
  ending: AnswerEnding;
  /** It is the latest answer and nothing runs: a failure gets the full notice and Retry. */
  latest: boolean;
  /** Why it failed, when known (the thread's error, connection errors included). */
  error: BackchannelError | null;
  labels: ChatLabels;
  onRetry?: (() => void) | undefined;
}

/** The note under a cut-off answer. */
export function AnswerEndingNote({ ending, latest, error, labels, onRetry }: AnswerEndingProps): ReactNode {
  if (ending === "failed" && latest) {
    return (
      <div className="bc-error bc-ending" data-ending="failed" role="alert">
        <span>
          <strong>{labels.interrupted}</strong> {describeError(error ?? RUN_FAILED)}
        </span>
        {onRetry && (
          <button type="button" className="bc-error-retry" onClick={onRetry}>
            <RetryIcon />
            {labels.retry}
          </button>
        )}
      </div>
    );
  }
  return (
    <div className="bc-ending-tag" data-ending={ending}>
      {ending === "failed" ? labels.interruptedTag : labels.stopped}
    </div>
  );
}
