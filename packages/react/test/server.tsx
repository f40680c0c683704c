/**
 * A real Backchannel server for the React tests, and a provider wired to it over a real socket.
 */
import type { Agent, ListeningServer, SDKOptions } from "@backchannel/server";
import { CopilotKitSDK, createLogger } from "@backchannel/server";
import type { ReactNode } from "react";
import { WebSocket } from "ws";
import { CopilotKit, type CopilotKitProps } from "../src/index.js";
import { reactTestAgents } from "./agents.js";

export const API_KEY = "react-test-key";

/** Starts a server hosting the test agents (API key auth, no persistence). */
export async function startServer(
  options: Partial<SDKOptions> & { port?: number } = {},
): Promise<ListeningServer & { sdk: CopilotKitSDK }> {
  const { port = 0, ...rest } = options;
  const sdk = new CopilotKitSDK({
    agents: reactTestAgents as Agent[],
    auth: { apiKeys: { test: API_KEY } },
    logger: createLogger({ level: "silent" }),
    store: false,
    ...rest,
  });
  const srv = await sdk.listen({ port });
  return Object.assign(srv, { sdk });
}

/** A `wrapper` for Testing Library: `<CopilotKit>` on `wsUrl` with the test key and Node's `ws`. */
export function providerFor(wsUrl: string, props: Partial<CopilotKitProps> = {}) {
  // biome-ignore lint/correctness/noComponentHookFactories: a wrapper per test, created before rendering
  return function Provider({ children }: { children?: ReactNode }) {
    return (
      <CopilotKit
        wsUrl={wsUrl}
        getToken={() => API_KEY}
        throttleMs={0}
        {...props}
        clientOptions={{
          WebSocket: WebSocket as never,
          reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
          ...props.clientOptions,
        }}
      >
        {children}
      </CopilotKit>
    );
  };
}
