import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium; `CHROMIUM_PATH` overrides. Never a downloaded browser build. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Flags every browser test uses. The background-networking ones matter here: without them
 * Chromium keeps dialling Google's hosts, which this machine's closed network refuses.
 */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Launches headless Chromium with the project's flags. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
}
