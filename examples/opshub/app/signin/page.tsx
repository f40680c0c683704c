import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Logo } from "@/components/shell/logo";
import { authMode, DEMO_USER, getSession } from "@/lib/auth/session";
import { signInAsDemoUser, signInWithSupabase } from "./actions";
import styles from "./signin.module.css";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  if (await getSession()) redirect("/portfolio");
  const params = await searchParams;
  const mode = authMode();
  return (
    <main className={styles.page}>
      <div className={styles.card}>
        <Logo size={36} />
        <h1 className={styles.title}>Sign in to OpsHub</h1>
        <p className={styles.lead}>
          Investment operations for the OpsHub Global Balanced Fund, with a Portfolio Assistant that runs
          validations and answers questions about your book.
        </p>
        {params.expired ? (
          <p className={styles.notice}>Your session expired. Sign in again to continue.</p>
        ) : null}
        {params.error ? (
          <p className={styles.error}>
            {params.error === "demo-disabled"
              ? "The demo sign-in is off because Supabase is configured."
              : params.error}
          </p>
        ) : null}
        {mode === "local" ? (
          <form action={signInAsDemoUser}>
            <button type="submit" className={styles.primary}>
              Sign in as demo user
            </button>
            <p className={styles.fine}>
              Signs you in as <strong>{DEMO_USER.name}</strong> ({DEMO_USER.email}) with a local session
              token, signed by a secret generated on first start. Set <code>SUPABASE_URL</code> and{" "}
              <code>SUPABASE_ANON_KEY</code> to use Supabase instead.
            </p>
          </form>
        ) : (
          <form action={signInWithSupabase} className={styles.form}>
            <label>
              Email
              <input name="email" type="email" autoComplete="email" required />
            </label>
            <label>
              Password
              <input name="password" type="password" autoComplete="current-password" required />
            </label>
            <button type="submit" className={styles.primary}>
              Sign in
            </button>
          </form>
        )}
      </div>
    </main>
  );
}
