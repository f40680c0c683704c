/**
 * The workspace resolves its own packages to their TypeScript sources through an export
 * condition of our own, `@backchannel/source`. The generic `source` condition is also
 * published by third-party packages (eventsource-parser is one, and is installed here), which
 * then resolved to their raw sources too and broke type checking. These tests resolve a
 * third-party package with each tool the workspace configures (TypeScript, Vitest/Vite, Node)
 * and require its built files, and our own package's sources.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const CONDITION = "@backchannel/source";
const root = fileURLToPath(new URL("..", import.meta.url));
const THIRD_PARTY = "eventsource-parser";

/** How TypeScript resolves `specifier` from a test file under the given custom conditions. */
function tsResolve(specifier: string, customConditions: string[]): string | undefined {
  const base = ts.readConfigFile(`${root}tsconfig.base.json`, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(base.config, ts.sys, root);
  const result = ts.resolveModuleName(
    specifier,
    `${root}test/export-condition.test.ts`,
    { ...options, customConditions },
    ts.sys,
    undefined,
    undefined,
    ts.ModuleKind.ESNext,
  );
  return result.resolvedModule?.resolvedFileName;
}

describe("export condition", () => {
  it("the third-party package used below publishes a `source` condition (else this proves nothing)", () => {
    const pkg = JSON.parse(readFileSync(`${root}node_modules/${THIRD_PARTY}/package.json`, "utf8"));
    expect(pkg.exports["."].source).toMatch(/\.ts$/);
  });

  it("every workspace export maps our condition to a source file and none uses `source`", () => {
    for (const dir of readdirSync(`${root}packages`)) {
      const pkg = JSON.parse(readFileSync(`${root}packages/${dir}/package.json`, "utf8"));
      for (const [subpath, target] of Object.entries(pkg.exports as Record<string, object | string>)) {
        if (typeof target === "string") continue; // a plain file such as ./styles.css
        expect(Object.keys(target), `${pkg.name} ${subpath}`).not.toContain("source");
        expect((target as Record<string, string>)[CONDITION], `${pkg.name} ${subpath}`).toMatch(
          /^\.\/src\/.+\.tsx?$/,
        );
      }
    }
  });

  it("TypeScript (tsconfig.base.json) resolves ours to sources and the third party to its build", () => {
    const base = JSON.parse(readFileSync(`${root}tsconfig.base.json`, "utf8"));
    const conditions: string[] = base.compilerOptions.customConditions;
    expect(conditions).toEqual([CONDITION]);
    expect(tsResolve("@backchannel/protocol", conditions)).toMatch(/packages\/protocol\/src\/index\.ts$/);
    expect(tsResolve(THIRD_PARTY, conditions)).toMatch(new RegExp(`node_modules/${THIRD_PARTY}/dist/`));
    // The collision this rename removes: under the generic name the third party's sources win.
    expect(tsResolve(THIRD_PARTY, ["source"])).toMatch(
      new RegExp(`node_modules/${THIRD_PARTY}/src/index\\.ts$`),
    );
  });

  it("Vitest (vitest.config.ts) resolves ours to sources and the third party to its build", () => {
    expect(import.meta.resolve("@backchannel/protocol")).toMatch(/packages\/protocol\/src\/index\.ts$/);
    expect(import.meta.resolve("@backchannel/protocol/fold")).toMatch(
      /packages\/protocol\/src\/fold\/index\.ts$/,
    );
    expect(import.meta.resolve(THIRD_PARTY)).toMatch(new RegExp(`node_modules/${THIRD_PARTY}/dist/`));
  });

  it("Node with --conditions resolves ours to sources and the third party to its build", () => {
    const resolve = (specifier: string) =>
      execFileSync(
        process.execPath,
        [
          `--conditions=${CONDITION}`,
          "--input-type=module",
          "-e",
          `console.log(import.meta.resolve(${JSON.stringify(specifier)}))`,
        ],
        { cwd: root, encoding: "utf8" },
      ).trim();
    expect(resolve("@backchannel/server")).toMatch(/packages\/server\/src\/index\.ts$/);
    expect(resolve(THIRD_PARTY)).toMatch(new RegExp(`node_modules/${THIRD_PARTY}/dist/`));
  });
});
