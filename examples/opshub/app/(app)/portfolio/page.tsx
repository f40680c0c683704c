// app/(app)/portfolio/page.tsx — the seed's "Complete Example", on Backchannel.
import type { Metadata } from "next";
import { AssistantProvider } from "@/components/assistant/assistant-context";
import { ConnectionBannerBar, ConnectionStatus } from "@/components/assistant/connection-status";
import { CopilotKit } from "@/components/assistant/copilot";
import { CopilotSidebar } from "@/components/assistant/copilot-sidebar";
import { ThreadCookie } from "@/components/assistant/thread-cookie";
import { PortfolioTable } from "@/components/portfolio/table";
import { loadConversation } from "@/lib/conversation";
import styles from "../page.module.css";

export const metadata: Metadata = { title: "Portfolio Holdings" };

export default async function PortfolioPage() {
  const { threadId, initialMessages, savedState } = await loadConversation();
  return (
    <CopilotKit
      runtimeUrl="/api/copilotkit"
      agent="opshub-nav-agent"
      threadId={threadId}
      initialMessages={initialMessages}
    >
      <AssistantProvider>
        <ThreadCookie />
        <ConnectionBannerBar />
        <div className={styles.row}>
          {/* Main content */}
          <div className={styles.main}>
            <div className={styles.titleRow}>
              <h1>Portfolio Holdings</h1>
              <ConnectionStatus />
            </div>
            <PortfolioTable savedState={savedState} />
          </div>

          {/* Contextual sidebar */}
          <CopilotSidebar
            labels={{
              title: "Portfolio Assistant",
              initial:
                "I can help you analyze holdings, run validations, or answer questions about your portfolio.",
              placeholder: "Ask about holdings, validations, NAV…",
            }}
            defaultOpen={false}
          />
        </div>
      </AssistantProvider>
    </CopilotKit>
  );
}
