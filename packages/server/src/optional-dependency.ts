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
    if ((err as { code?: string }).code === "MODULE_NOT_FOUND") {
      throw new ConfigError(`${usedFor} needs the '${name}' package: run \`npm install ${name}\``);
    }
    throw err;
  }
  loaded.set(name, mod);
  return mod;
}
