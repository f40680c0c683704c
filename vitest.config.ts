import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** React 18, installed apart in test/react18 (`npm run test:react18` installs it when missing). */
const react18 = (path: string) =>
  fileURLToPath(new URL(`./test/react18/node_modules/${path}`, import.meta.url));

// Suites that drive real browsers or whole apps, or load the machine on purpose, run in their
// own project, one file at a time, after the rest: on a 2-core CI machine they would otherwise
// compete with the unit and integration files for CPU and time out for no reason of their own.
const SERIAL = [
  "test/browser/**/*.test.ts",
  "test/reliability/**/*.test.ts",
  "examples/*/test/opshub-e2e.test.ts",
];

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources directly (no build step needed). The condition is our
    // own: third-party packages also publish a generic `source` one, which would resolve them
    // to raw sources too (test/export-condition.test.ts).
    conditions: ["@backchannel/source"],
  },
  ssr: { resolve: { conditions: ["@backchannel/source"] } },
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: "forks",
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: [
            "packages/*/src/**/*.test.ts",
            "packages/*/src/**/*.test.tsx",
            "packages/*/test/**/*.test.ts",
            "test/**/*.test.ts",
            "examples/*/agent/**/*.test.ts",
            "examples/*/test/**/*.test.ts",
          ],
          exclude: ["**/node_modules/**", ...SERIAL],
        },
      },
      {
        extends: true,
        test: { name: "serial", include: SERIAL, fileParallelism: false },
      },
      {
        // @backchannel/react's suite again, with every import of React (ours, the tests' and
        // Testing Library's) resolved to React 18: the package peers on ^18.2 || ^19.
        extends: true,
        resolve: {
          alias: [
            { find: /^react$/, replacement: react18("react/index.js") },
            { find: /^react\/(jsx-runtime|jsx-dev-runtime)$/, replacement: react18("react/$1.js") },
            { find: /^react-dom$/, replacement: react18("react-dom/index.js") },
            { find: /^react-dom\/(client|server|test-utils)$/, replacement: react18("react-dom/$1.js") },
            { find: /^@testing-library\/react$/, replacement: react18("@testing-library/react") },
          ],
        },
        test: {
          name: "react18",
          env: { EXPECT_REACT: "18" },
          include: ["packages/react/src/**/*.test.ts", "packages/react/src/**/*.test.tsx"],
          // Dependencies that create elements go through the aliases too (one React per test).
          server: { deps: { inline: ["markdown-to-jsx"] } },
        },
      },
    ],
  },
});
