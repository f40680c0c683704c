#!/usr/bin/env node
// What a consumer of @backchannel/server installs: packs @backchannel/protocol and
// @backchannel/server with `npm pack` (build first: `npm run build`), installs the tarballs
// into fresh temporary folders from the npm registry, and counts the installed packages
// (entries under node_modules in the lockfile, the consumer itself not counted):
//   1. the tarballs alone (embedded SQLite, the default),
//   2. with the optional drivers `pg` and `ioredis` added.
// In the first folder it then checks that the default store works and that Postgres and the
// cluster fail with a ConfigError naming the package to install.
//   node packages/server/scripts/install-footprint.mjs [--keep]
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const keep = process.argv.includes("--keep");
const work = mkdtempSync(join(tmpdir(), "bc-footprint-"));
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });

const tarballs = join(work, "tarballs");
mkdirSync(tarballs);
const pack = (pkg) => {
  const out = JSON.parse(
    run("npm", ["pack", "--json", "--pack-destination", tarballs], join(root, "packages", pkg)),
  );
  return join(tarballs, out[0].filename);
};
const packed = [pack("protocol"), pack("server")];

/** Installs `specs` into a fresh consumer folder; returns the folder and its package count. */
function install(name, specs) {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: `consumer-${name}`, private: true, type: "module" }),
  );
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...specs], dir);
  const lock = JSON.parse(readFileSync(join(dir, "package-lock.json"), "utf8"));
  const names = Object.keys(lock.packages).filter((p) => p.startsWith("node_modules/"));
  return { dir, count: names.length };
}

const plain = install("plain", packed);
const drivers = install("drivers", [...packed, "pg", "ioredis"]);

// The default store after a plain install, and the errors for drivers that are not installed.
const check = `
import { createRuntime, ConfigError } from "@backchannel/server";
import { createSqliteStore } from "@backchannel/server/sqlite";
import { createPostgresStore } from "@backchannel/server/postgres";
const store = await createSqliteStore({ path: ":memory:" });
await store.ping();
await store.close();
let pgError, redisError;
try { await createPostgresStore({ connectionString: "postgres://127.0.0.1:1/none" }); } catch (e) { pgError = e; }
try { createRuntime({ agents: [], auth: { anonymous: true }, logger: undefined, cluster: { redis: "redis://127.0.0.1:1" } }); } catch (e) { redisError = e; }
const named = (e, pkg) => e instanceof ConfigError && e.message.includes("npm install " + pkg);
console.log(JSON.stringify({ sqlite: "ok", pgMissing: named(pgError, "pg"), ioredisMissing: named(redisError, "ioredis") }));
`;
writeFileSync(join(plain.dir, "check.mjs"), check);
const checked = JSON.parse(run(process.execPath, ["check.mjs"], plain.dir).trim().split("\n").at(-1));

console.log(
  JSON.stringify({
    plain: plain.count,
    withDrivers: drivers.count,
    checks: checked,
    folder: keep ? work : undefined,
  }),
);
if (!keep) rmSync(work, { recursive: true, force: true });
if (!checked.pgMissing || !checked.ioredisMissing) process.exit(1);
