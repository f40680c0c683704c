"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import styles from "./shell.module.css";

const LINKS = [
  { href: "/portfolio", label: "Portfolio" },
  { href: "/nav", label: "NAV Overview" },
];

/** The page tabs of the header. */
export function NavLinks() {
  const path = usePathname();
  return (
    <nav className={styles.nav} aria-label="Pages">
      {LINKS.map((l) => (
        <Link
          key={l.href}
          href={l.href}
          className={styles.link}
          aria-current={path.startsWith(l.href) ? "page" : undefined}
        >
          {l.label}
        </Link>
      ))}
    </nav>
  );
}
