#!/usr/bin/env node
// Installs React 18 into test/react18/node_modules (from its lockfile) when it is missing, so
// `npm run test:react18` works on a fresh clone. The vitest project "react18" resolves every
// React import to it.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL(".", import.meta.url));
const installed = `${dir}node_modules/react/package.json`;
if (!existsSync(installed) || !JSON.parse(readFileSync(installed, "utf8")).version.startsWith("18.")) {
  console.log("installing React 18 for the react18 test project (test/react18)...");
  execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--prefix", dir], { stdio: "inherit" });
}
