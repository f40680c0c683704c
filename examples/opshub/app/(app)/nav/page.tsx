// app/(app)/nav/page.tsx — the NAV overview, with the assistant as a floating popup.
import type { Metadata } from "next";
import { pct, usd } from "@/agent/offline/format";
import { AssistantProvider } from "@/components/assistant/assistant-context";
import { ConnectionBannerBar, ConnectionStatus } from "@/components/assistant/connection-status";
import { CopilotKit, CopilotPopup } from "@/components/assistant/copilot";
import { ThreadCookie } from "@/components/assistant/thread-cookie";
import { ExposureBars } from "@/components/nav/exposure-bars";
import nav from "@/components/nav/nav.module.css";
import { NavChart } from "@/components/nav/nav-chart";
import { fetchNav } from "@/lib/backend";
import { loadConversation } from "@/lib/conversation";
import styles from "../page.module.css";

export const metadata: Metadata = { title: "NAV Overview" };

function Change({ value }: { value: number | null }) {
  return (
    <span className={value === null ? undefined : value >= 0 ? nav.up : nav.down}>{pct(value, true)}</span>
  );
}

export default async function NavPage() {
  const [{ threadId, initialMessages }, data] = await Promise.all([loadConversation(), fetchNav()]);
  const s = data.summary;
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
        <div className={`${styles.main} ${styles.scroll}`}>
          <div className={styles.titleRow}>
            <h1>NAV Overview</h1>
            <ConnectionStatus />
          </div>
          <div className={nav.grid}>
            <div className={nav.card}>
              <div className={nav.kpiLabel}>Net asset value</div>
              <div className={nav.kpiValue}>{usd(s.navUsd)}</div>
            </div>
            <div className={nav.card}>
              <div className={nav.kpiLabel}>NAV per share</div>
              <div className={nav.kpiValue}>${s.navPerShare.toFixed(2)}</div>
            </div>
            <div className={nav.card}>
              <div className={nav.kpiLabel}>1 day · 1 month</div>
              <div className={nav.kpiValue}>
                <Change value={s.changePct.day} /> · <Change value={s.changePct.month} />
              </div>
            </div>
            <div className={nav.card}>
              <div className={nav.kpiLabel}>Year to date</div>
              <div className={nav.kpiValue}>
                <Change value={s.changePct.ytd} />
              </div>
            </div>
          </div>
          <section className={nav.card}>
            <h2>NAV per share, last 12 months</h2>
            <NavChart points={data.history} />
          </section>
          <div className={nav.two}>
            <ExposureBars title="By asset class" rows={data.exposures.assetClass} />
            <ExposureBars title="By region" rows={data.exposures.region} />
            <ExposureBars title="By currency" rows={data.exposures.currency} />
          </div>
        </div>
        <CopilotPopup
          labels={{
            title: "Portfolio Assistant",
            initial: "Hi! How can I help with your portfolio today?",
            placeholder: "Ask about holdings, validations, NAV…",
          }}
        />
      </AssistantProvider>
    </CopilotKit>
  );
}
