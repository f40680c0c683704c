import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";

const here = dirname(fileURLToPath(import.meta.url));

/** The OpsHub web app. The agent backend is a separate process (agent/, port 8000). */
const config: NextConfig = {
  // The workspace packages live two levels up; let Turbopack see the whole monorepo.
  turbopack: { root: resolve(here, "../..") },
  outputFileTracingRoot: resolve(here, "../.."),
  poweredByHeader: false,
  reactStrictMode: true,
  devIndicators: false,
};

export default config;
