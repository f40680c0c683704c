/**
 * A page built with CopilotKit's own React packages (`@copilotkit/react-core` and
 * `@copilotkit/react-ui` from the registry), pointed at Backchannel. `?page=seed` is the founding
 * spec's `YourPage` verbatim (runtimeUrl "/api/copilotkit", served by @backchannel/next on the
 * page's origin); `?page=direct&runtime=...&key=...` adds a `useCopilotAction` frontend tool and
 * shared state, talks to the runtime directly (CORS), and keeps its thread across reloads.
 */
import { CopilotKit, useCoAgent, useCopilotAction } from "@copilotkit/react-core";
import { CopilotPopup } from "@copilotkit/react-ui";
import "@copilotkit/react-ui/styles.css";
import { useState } from "react";
import { createRoot } from "react-dom/client";

const params = new URLSearchParams(location.search);

// ------------------------------------------------------------------ seed code (verbatim)

function YourComponent() {
  return <p>Your component</p>;
}

function YourPage() {
  return (
    <CopilotKit runtimeUrl="/api/copilotkit">
      <YourComponent />
      {/* Add floating chat popup */}
      <CopilotPopup
        labels={{
          title: "Portfolio Assistant",
          initial: "Hi! How can I help with your portfolio today?",
        }}
      />
    </CopilotKit>
  );
}

// ------------------------------------------------------------------ a frontend tool and shared state

function Holdings() {
  const [highlighted, setHighlighted] = useState("");
  useCopilotAction({
    name: "highlightFund",
    description: "Highlight a fund in the holdings table",
    parameters: [{ name: "fund", type: "string", description: "Fund name", required: true }],
    handler: async ({ fund }: { fund: string }) => {
      setHighlighted(fund);
      return `highlighted ${fund}`;
    },
  });
  const { state } = useCoAgent<{ greeted?: boolean }>({ name: "default" });
  return (
    <div>
      <table aria-label="holdings">
        <tbody>
          {["Alpha Growth", "Beta Income"].map((fund) => (
            <tr key={fund} data-highlighted={fund === highlighted ? "yes" : "no"}>
              <td>{fund}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p data-testid="shared-state">{state?.greeted ? "greeted" : "not greeted"}</p>
    </div>
  );
}

function DirectPage() {
  // The thread survives a reload, so CopilotKit reconnects to it (its `connect`).
  const [threadId] = useState(() => {
    const saved = sessionStorage.getItem("threadId");
    if (saved) return saved;
    const fresh = crypto.randomUUID();
    sessionStorage.setItem("threadId", fresh);
    return fresh;
  });
  return (
    <CopilotKit
      runtimeUrl={params.get("runtime") ?? ""}
      headers={{ authorization: `Bearer ${params.get("key")}` }}
      threadId={threadId}
    >
      <Holdings />
      <CopilotPopup defaultOpen labels={{ title: "Portfolio Assistant", initial: "Ask me" }} />
    </CopilotKit>
  );
}

createRoot(document.getElementById("root")!).render(
  params.get("page") === "seed" ? <YourPage /> : <DirectPage />,
);
