import type { Metadata } from "next";
import type { ReactNode } from "react";
import "@backchannel/react/styles.css";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "OpsHub", template: "%s · OpsHub" },
  description: "Investment operations with a Portfolio Assistant, on Backchannel",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" data-theme="light">
      <body>{children}</body>
    </html>
  );
}
