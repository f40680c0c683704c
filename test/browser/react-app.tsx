/**
 * The page the browser test drives: an OpsHub-like holdings screen with the Backchannel
 * sidebar (or popup, with ?mode=popup), built by esbuild from @backchannel/react's sources.
 */
import {
  CopilotKit,
  CopilotPopup,
  CopilotSidebar,
  useCopilotChat,
  useCopilotReadable,
} from "@backchannel/react";
import "@backchannel/react/styles.css";
import { type ReactNode, useEffect } from "react";
import { createRoot } from "react-dom/client";

const params = new URLSearchParams(location.search);
const wsUrl = params.get("ws") ?? "";
const mode = params.get("mode") ?? "sidebar";
/** `?history=N`: the chat starts with N earlier messages (questions and Markdown answers). */
const history = Array.from({ length: Number(params.get("history") ?? 0) }, (_, i) => ({
  id: `history-${i}`,
  role: i % 2 === 0 ? ("user" as const) : ("assistant" as const),
  content:
    i % 2 === 0
      ? `Earlier question ${i / 2 + 1}`
      : `Earlier answer ${(i - 1) / 2 + 1}:\n\n- a list item\n- another\n\n| a | b |\n| - | - |\n| 1 | 2 |\n\n\`\`\`sql\nSELECT ${i};\n\`\`\``,
}));

const HOLDINGS = [
  { fund: "Alpha Growth", ticker: "ALPH", nav: "101.52", change: "+0.4%" },
  { fund: "Beta Income", ticker: "BETA", nav: "98.20", change: "-1.1%" },
  { fund: "Gamma Value", ticker: "GAMV", nav: "54.07", change: "+2.3%" },
  { fund: "Delta Global", ticker: "DLTG", nav: "210.88", change: "+0.1%" },
];

/** Exposes the transcript to the test, which compares it with what the agent sent. */
function Probe(): null {
  const { messages, connectionState, isLoading } = useCopilotChat();
  useEffect(() => {
    Object.assign(window, { __chat: { messages, connectionState, isLoading } });
  }, [messages, connectionState, isLoading]);
  return null;
}

function Holdings(): ReactNode {
  useCopilotReadable({ description: "Holdings on screen", value: HOLDINGS });
  return (
    <main className="page">
      <header className="topbar">
        <strong>OpsHub</strong>
        <span>Portfolio Holdings</span>
      </header>
      <section className="content">
        <h1>Portfolio Holdings</h1>
        <table className="holdings">
          <thead>
            <tr>
              <th>Fund</th>
              <th>Ticker</th>
              <th>NAV</th>
              <th>1D</th>
            </tr>
          </thead>
          <tbody>
            {HOLDINGS.map((h) => (
              <tr key={h.ticker}>
                <td>{h.fund}</td>
                <td>{h.ticker}</td>
                <td>{h.nav}</td>
                <td>{h.change}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </main>
  );
}

const labels = {
  title: "Portfolio Assistant",
  initial: "I can help you analyze holdings, run validations, or answer questions about your portfolio.",
};

function App(): ReactNode {
  return (
    <CopilotKit
      wsUrl={wsUrl}
      getToken={() => "browser-test-key"}
      {...(history.length ? { initialMessages: history } : {})}
    >
      <Probe />
      {mode === "popup" ? (
        <>
          <Holdings />
          <CopilotPopup labels={labels} defaultOpen />
        </>
      ) : (
        <div className="shell">
          <div className="main">
            <Holdings />
          </div>
          <CopilotSidebar labels={labels} defaultOpen />
        </div>
      )}
    </CopilotKit>
  );
}

createRoot(document.getElementById("root")!).render(<App />);
