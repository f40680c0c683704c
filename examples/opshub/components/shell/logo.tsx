/** The OpsHub mark and word. */
export function Logo({ size = 28, light = false }: { size?: number; light?: boolean }) {
  return (
    <span
      style={{
        display: "inline-flex",
        alignItems: "center",
        gap: 10,
        fontWeight: 700,
        fontSize: size * 0.62,
        letterSpacing: "-0.02em",
        color: light ? "#fff" : "var(--text)",
      }}
    >
      <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true">
        <rect width="32" height="32" rx="8" fill="#2f54eb" />
        <path
          d="M8 21l5-6 4 3 7-9"
          stroke="#fff"
          strokeWidth="2.6"
          fill="none"
          strokeLinecap="round"
          strokeLinejoin="round"
        />
        <circle cx="24" cy="9" r="2.2" fill="#9fb4ff" />
      </svg>
      OpsHub
    </span>
  );
}
