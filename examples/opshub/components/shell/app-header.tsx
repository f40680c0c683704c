import { signOut } from "@/app/signin/actions";
import { Logo } from "./logo";
import { NavLinks } from "./nav-links";
import styles from "./shell.module.css";

/** The top bar: logo, pages, fund, which model answers, the user. */
export function AppHeader({
  user,
  model,
  fund,
}: {
  user: { name: string; email: string };
  model: { label: string; offline: boolean } | null;
  fund: { name: string; asOf: string } | null;
}) {
  const initials = user.name
    .split(/\s+/)
    .map((w) => w[0])
    .join("")
    .slice(0, 2)
    .toUpperCase();
  return (
    <header className={styles.header}>
      <Logo size={26} light />
      <NavLinks />
      <div className={styles.spacer} />
      {fund ? (
        <div className={styles.fund}>
          <span>{fund.name}</span>
          <span className={styles.asOf}>as of {fund.asOf}</span>
        </div>
      ) : null}
      {model ? (
        <span
          className={model.offline ? styles.modelOffline : styles.model}
          title={
            model.offline
              ? "No OPENAI_API_KEY or ANTHROPIC_API_KEY is set: a built-in deterministic model answers, offline."
              : "The assistant's model"
          }
          data-testid="model-badge"
        >
          {model.label}
        </span>
      ) : null}
      <div className={styles.user}>
        <span className={styles.avatar} aria-hidden="true">
          {initials}
        </span>
        <span className={styles.userName}>{user.name}</span>
        <form action={signOut}>
          <button type="submit" className={styles.signOut}>
            Sign out
          </button>
        </form>
      </div>
    </header>
  );
}
