/**
 * The render benchmark's Backchannel page: `<CopilotChat>` from @backchannel/react (built from
 * its sources) in a 440 px column beside a page, on the bench runtime's socket. `?history=N`
 * starts the chat with N earlier messages.
 */
import { CopilotChat, CopilotKit } from "@backchannel/react";
import "@backchannel/react/styles.css";
import { createRoot } from "react-dom/client";
import { buildHistory } from "./history.mjs";

const params = new URLSearchParams(location.search);
const history = Number(params.get("history") ?? 0);

createRoot(document.getElementById("root")!).render(
  <CopilotKit
    wsUrl={params.get("ws") ?? ""}
    getToken={() => params.get("key") ?? ""}
    {...(history > 0 ? { initialMessages: buildHistory(history) } : {})}
  >
    <CopilotChat labels={{ title: "Assistant", initial: "Ask me about today's checks." }} />
  </CopilotKit>,
);
