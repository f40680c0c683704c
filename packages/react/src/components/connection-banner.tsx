/**
 * A banner while the connection is not up: connecting (after a moment), retrying the first
 * connection, reconnecting, offline or given up, with a button to try again now.
 * @module
 */
import { type ReactNode, useSyncExternalStore } from "react";
import { useStoreSnapshot } from "../hooks/use-agent-thread.js";
import { useCopilotStore } from "../provider/context.js";
import { describeError } from "./error-text.js";
import type { ChatLabels } from "./labels.js";

function subscribeOnline(onChange: () => void): () => void {
  if (typeof window === "undefined") return () => {};
  window.addEventListener("online", onChange);
  window.addEventListener("offline", onChange);
  return () => {
    window.removeEventListener("online", onChange);
    window.removeEventListener("offline", onChange);
  };
}
const isOnline = () => (typeof navigator === "undefined" ? true : navigator.onLine !== false);
const serverOnline = () => true;

/** Whether the browser thinks it is online (`navigator.onLine`, updated by its events). */
export function useOnline(): boolean {
  return useSyncExternalStore(subscribeOnline, isOnline, serverOnline);
}

/** The connection banner; renders nothing while connected. */
export function ConnectionBanner({ labels }: { labels: ChatLabels }): ReactNode {
  const store = useCopilotStore("<CopilotChat>");
  const { connection } = useStoreSnapshot();
  const online = useOnline();
  const state = connection.connectionState;
  if (state === "connected" && online) return null;

  let kind: "offline" | "reconnecting" | "disconnected" | "retrying" | "connecting";
  let text: string;
  if (!online) {
    kind = "offline";
    text = labels.offline;
  } else if (state === "reconnecting") {
    kind = "reconnecting";
    text = labels.reconnecting;
  } else if (state === "disconnected") {
    kind = "disconnected";
    // Why it gave up, in plain words (e.g. "your session has expired"), when it says more.
    text = connection.error ? describeError(connection.error) : labels.disconnected;
  } else if (connection.error) {
    kind = "retrying";
    text = labels.retrying;
  } else {
    kind = "connecting";
    text = labels.connecting;
  }
  return (
    <div className="bc-banner" data-kind={kind} role="status">
      <span className="bc-banner-dot" aria-hidden="true" />
      <span className="bc-banner-text">{text}</span>
      {(kind === "disconnected" || kind === "reconnecting" || kind === "retrying") && (
        <button type="button" className="bc-banner-action" onClick={() => store.reconnect()}>
          {labels.reconnect}
        </button>
      )}
    </div>
  );
}
