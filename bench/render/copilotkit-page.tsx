/**
 * The render benchmark's CopilotKit page: CopilotKit's own `<CopilotChat>` (`@copilotkit/react-core`
 * and `@copilotkit/react-ui` from the registry, unchanged) in the same 440 px column, talking to
 * the bench runtime over HTTP (CopilotKit's protocol, served by Backchannel's binding).
 */
import { CopilotKit } from "@copilotkit/react-core";
import { CopilotChat } from "@copilotkit/react-ui";
import "@copilotkit/react-ui/styles.css";
import { createRoot } from "react-dom/client";

const params = new URLSearchParams(location.search);

createRoot(document.getElementById("root")!).render(
  <CopilotKit
    runtimeUrl={params.get("runtime") ?? ""}
    headers={{ authorization: `Bearer ${params.get("key")}` }}
  >
    <CopilotChat labels={{ title: "Assistant", initial: "Ask me about today's checks." }} />
  </CopilotKit>,
);
