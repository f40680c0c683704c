/**
 * Drivers a deployment may not use are loaded only when configured: `pg` for `databaseUrl`,
 * `ioredis` for `cluster`, `better-sqlite3` for the default store. Importing
 * `@backchannel/server` therefore loads none of them, and `pg`/`ioredis` are optional peer
 * dependencies a consumer installs only when it uses them. They are CommonJS packages, so a
 * synchronous `require` keeps the runtime's constructor synchronous.
 * @module
 */
import { createRequire } from "node:module";
import { ConfigError } from "./errors.js";

const requireFromHere = createRequire(import.meta.url);
const loaded = new Map<string, unknown>();

/**
 * The module `name`, loaded on first use. Throws ConfigError naming the package to install
 * when it is missing.
 * @example const { Redis } = loadOptional<typeof import("ioredis")>("ioredis", "cluster");
 */
export function loadOptional<T>(name: string, usedFor: string): T {
  if (loaded.has(name)) return loaded.get(name) as T;
  let mod: T;
  try {
    mod = requireFromHere(name) as T;
  } catch (err) {
    // Only the package itself missing: a broken install of one of its own dependencies
    // also throws MODULE_NOT_FOUND, and should surface as it is.
    const e = err as { code?: string; message?: string };
    if (e.code === "MODULE_NOT_FOUND" && e.message?.includes(`'${name}'`)) {
      throw new ConfigError(`${usedFor} needs the '${name}' package: run \`npm install ${name}\``);
    }
    throw err;
  }
  loaded.set(name, mod);
  return mod;
}
