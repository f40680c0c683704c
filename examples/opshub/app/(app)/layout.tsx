import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { AppHeader } from "@/components/shell/app-header";
import { getSession } from "@/lib/auth/session";
import { fetchInfo } from "@/lib/backend";
import styles from "./app.module.css";

export const dynamic = "force-dynamic";

/** Every signed-in page: the header, then the page. */
export default async function AppLayout({ children }: { children: ReactNode }) {
  const session = await getSession();
  if (!session) redirect("/signin");
  const info = await fetchInfo().catch(() => null);
  return (
    <div className={styles.shell}>
      <AppHeader
        user={session.user}
        model={info?.model ?? null}
        fund={info ? { name: info.fund.name, asOf: info.fund.asOf } : null}
      />
      {info ? (
        children
      ) : (
        <main className={styles.down}>
          <h1>The agent backend is not reachable</h1>
          <p>
            OpsHub reads its data from the agent backend. Start everything with <code>npm start</code> from
            the repository root, then reload this page.
          </p>
        </main>
      )}
    </div>
  );
}
