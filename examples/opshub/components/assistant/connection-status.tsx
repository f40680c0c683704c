"use client";
/**
 * The connection to the assistant, always visible: live, connecting, reconnecting (with
 * a banner), or down with a friendly reason and a retry button.
 */
import { describeError, useCopilotChat, useOnline } from "@backchannel/react";
import styles from "./assistant.module.css";

export function ConnectionStatus() {
  const { connectionState, error, reconnect } = useCopilotChat();
  const online = useOnline();
  const state = online ? connectionState : "offline";
  const text = {
    connected: "Assistant live",
    connecting: "Connecting…",
    reconnecting: "Reconnecting…",
    disconnected: "Assistant offline",
    offline: "You're offline",
  }[state];
  return (
    <span
      className={styles.status}
      data-state={state}
      data-testid="connection-status"
      title={error ? describeError(error) : text}
    >
      <span className={styles.dot} aria-hidden="true" />
      {text}
      {state === "disconnected" ? (
        <button type="button" className={styles.retry} onClick={() => reconnect()}>
          Retry
        </button>
      ) : null}
    </span>
  );
}

/** A banner above the page while the connection is not up (the seed's "Connection lost. Reconnecting..."). */
export function ConnectionBannerBar() {
  const { connectionState, error, reconnect } = useCopilotChat();
  const online = useOnline();
  if (connectionState === "connected" && online) return null;
  if (connectionState === "connecting" && !error) return null;
  const message = !online
    ? "You're offline. Messages will be sent when you're back."
    : connectionState === "reconnecting"
      ? "Connection to the assistant lost. Reconnecting…"
      : `Can't reach the assistant${error ? `: ${describeError(error)}` : "."}`;
  return (
    <div className={styles.banner} role="status" data-testid="connection-banner" data-state={connectionState}>
      {message}
      {connectionState === "disconnected" ? (
        <button type="button" onClick={() => reconnect()}>
          Reconnect now
        </button>
      ) : null}
    </div>
  );
}
