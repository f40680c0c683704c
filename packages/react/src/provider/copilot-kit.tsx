/**
 * `<CopilotKit>`: one connection to a Backchannel runtime for everything inside it.
 * @module
 */
import type { Message } from "@ag-ui/core";
import type {
  BackchannelError,
  ConnectionProps,
  CopilotSession,
  HeadersOption,
  TransportMode,
  WhileRunningPolicy,
} from "@backchannel/client";
import { createCopilotSession } from "@backchannel/client";
import { type ReactNode, useEffect, useRef, useState } from "react";
import { CopilotContext } from "./context.js";

/** Props of `<CopilotKit>`. Give `runtimeUrl` (usual) or `wsUrl`. */
export interface CopilotKitProps {
  /**
   * HTTP base of the runtime, often a same-origin proxy route such as `"/api/copilotkit"`. The
   * provider asks `${runtimeUrl}/connect` where the socket is and how to authenticate it.
   */
  runtimeUrl?: string;
  /** The socket URL, when you know it (skips discovery). Relative paths resolve against the page. */
  wsUrl?: string;
  /**
   * Headers for requests to the runtime (discovery). With `wsUrl`, an `Authorization: Bearer …`
   * header is used as the socket's token. An object or a function called per request.
   */
  headers?: HeadersOption;
  /** Called before every (re)connect for a fresh token (e.g. your auth session's JWT). */
  getToken?: () => string | Promise<string>;
  /** The agent the chat talks to. @default the runtime's first agent */
  agent?: string;
  /** The chat's thread id; changing it starts a new conversation. @default a random UUID */
  threadId?: string;
  /** Messages the chat starts with (e.g. history loaded from your database). */
  initialMessages?: Message[];
  /**
   * With a `threadId` and no `initialMessages`, load the thread's stored conversation from the
   * runtime (`GET …/threads/:threadId`) before the chat starts, so a reload shows it again.
   * @default true
   */
  loadHistory?: boolean;
  /**
   * With a `threadId`, follow the thread live: a run another tab or device of the same user
   * starts on it streams into this chat (its question first, then the answer), and a run
   * already streaming when the chat opens is shown from its start. Needs the WebSocket.
   * @default true
   */
  followThread?: boolean;
  /** Called with every error: connection, auth, failed runs, failing tools. Each error once. */
  onError?: (error: BackchannelError) => void;
  /**
   * `"auto"` opens the WebSocket and falls back to HTTP/SSE where it cannot (proxies that
   * block upgrades); `"websocket"` or `"sse"` force one. @default "auto" with runtimeUrl, "websocket" with wsUrl
   */
  transport?: TransportMode;
  /**
   * Minimum ms between re-renders while an answer streams. `0` re-renders on every event.
   * @default undefined: once per animation frame
   */
  throttleMs?: number;
  /** What sending does while a run is in progress. @default "queue" */
  whileRunning?: WhileRunningPolicy;
  /** Sent as `forwardedProps` with every run (a function is called per run). */
  forwardedProps?: unknown;
  /** Advanced client options: `WebSocket` (Node), `reconnect` backoff, `authMode`, `fetch`, timeouts. */
  clientOptions?: ConnectionProps["clientOptions"];
  /**
   * A session you created with `createCopilotSession` (from `@backchannel/client`) and manage
   * yourself: the provider uses it as it is (its connection and thread options), and the
   * connection and thread props above are ignored. Share one session with non-React code.
   */
  session?: CopilotSession;
  children?: ReactNode;
}

/**
 * Connects its subtree to a Backchannel runtime: one socket, shared by the chat, `useCoAgent`
 * and every other hook below it.
 * @example
 * <CopilotKit runtimeUrl="/api/copilotkit">
 *   <App />
 *   <CopilotPopup labels={{ title: "Portfolio Assistant" }} />
 * </CopilotKit>
 */
export function CopilotKit(props: CopilotKitProps): ReactNode {
  const [own] = useState(() => (props.session ? null : createCopilotSession()));
  const store = props.session ?? own!;
  const latest = useRef(props);
  latest.current = props;

  const { agent, threadId, throttleMs, whileRunning, followThread } = props;
  useEffect(() => {
    if (store !== own) return;
    const p = latest.current;
    store.setThreadOptions({
      ...(agent === undefined ? {} : { agent }),
      ...(threadId === undefined ? {} : { threadId }),
      ...(p.initialMessages ? { initialMessages: p.initialMessages } : {}),
      ...(p.loadHistory === false ? { loadHistory: false } : {}),
      ...(followThread === false ? { followThread: false } : {}),
      ...(throttleMs === undefined ? {} : { throttleMs }),
      ...(whileRunning === undefined ? {} : { whileRunning }),
      // A function, so that a changed forwardedProps prop applies to the next run.
      forwardedProps: () => {
        const value = latest.current.forwardedProps;
        return typeof value === "function" ? value() : value;
      },
    });
  }, [store, own, agent, threadId, throttleMs, whileRunning, followThread]);

  const { runtimeUrl, wsUrl, transport } = props;
  const hasGetToken = props.getToken !== undefined;
  const hasHeaders = props.headers !== undefined;
  const clientKey = JSON.stringify(props.clientOptions ?? {});
  const WebSocketImpl = props.clientOptions?.WebSocket;
  // biome-ignore lint/correctness/useExhaustiveDependencies: clientKey stands for clientOptions' content
  useEffect(() => {
    if (store !== own) return;
    const p = latest.current;
    store.connect({
      ...(runtimeUrl === undefined ? {} : { runtimeUrl }),
      ...(wsUrl === undefined ? {} : { wsUrl }),
      ...(transport === undefined ? {} : { transport }),
      // Read through the ref: a new function or object each render must not reconnect.
      ...(hasGetToken ? { getToken: () => latest.current.getToken!() } : {}),
      ...(hasHeaders
        ? {
            headers: () => {
              const h = latest.current.headers ?? {};
              return typeof h === "function" ? h() : h;
            },
          }
        : {}),
      ...(p.clientOptions ? { clientOptions: p.clientOptions } : {}),
    });
    return () => store.disconnect();
  }, [store, own, runtimeUrl, wsUrl, transport, hasGetToken, hasHeaders, clientKey, WebSocketImpl]);

  useEffect(() => store.onError((error) => latest.current.onError?.(error)), [store]);

  return <CopilotContext.Provider value={store}>{props.children}</CopilotContext.Provider>;
}
