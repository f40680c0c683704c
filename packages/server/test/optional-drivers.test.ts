/**
 * Importing the package loads no database or Redis driver: `pg`, `ioredis` and
 * `better-sqlite3` are required only when a store or the cluster is configured. Runs the
 * compiled entries (dist/, built by `npm test`'s pretest) in a fresh Node process and reads
 * which driver modules ended up in the require cache.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const dist = fileURLToPath(new URL("../dist/", import.meta.url));
const DRIVERS = ["pg", "ioredis", "better-sqlite3"];

/** Runs `body` after importing every entry; returns the drivers found in the require cache. */
function driversLoadedAfter(body: string): string[] {
  const script = `
    import { createRequire } from "node:module";
    const entries = ["index", "sqlite", "postgres", "redis"];
    const mods = Object.fromEntries(await Promise.all(entries.map(async (e) => [e, await import(${JSON.stringify(dist)} + e + ".js")])));
    ${body}
    const cache = Object.keys(createRequire(import.meta.url).cache);
    const loaded = ${JSON.stringify(DRIVERS)}.filter((d) => cache.some((f) => f.includes("/node_modules/" + d + "/")));
    console.log(JSON.stringify(loaded));
  `;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").at(-1) ?? "null");
}

describe("optional drivers", () => {
  it("importing @backchannel/server and its /sqlite, /postgres and /redis entries loads no driver", () => {
    expect(driversLoadedAfter("")).toEqual([]);
  });

  it("opening the default SQLite store loads better-sqlite3 and nothing else", () => {
    const open = `const s = await mods.sqlite.createSqliteStore({ path: ":memory:" }); await s.close();`;
    expect(driversLoadedAfter(open)).toEqual(["better-sqlite3"]);
  });
});
