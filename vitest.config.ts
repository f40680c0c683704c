import { defineConfig } from "vitest/config";

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
    // Tests run the TypeScript sources directly (no build step needed).
    conditions: ["source"],
  },
  ssr: { resolve: { conditions: ["source"] } },
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
    ],
  },
});
