import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources directly (no build step needed).
    conditions: ["source"],
  },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "packages/*/src/**/*.test.tsx",
      "packages/*/test/**/*.test.ts",
      "test/**/*.test.ts",
      "examples/*/agent/**/*.test.ts",
      "examples/*/test/**/*.test.ts",
    ],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: "forks",
  },
});
