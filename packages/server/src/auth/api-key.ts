import { createHash, timingSafeEqual } from "node:crypto";
import { type Principal, principalId } from "../principal.js";

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/**
 * Checks tokens against configured API keys in constant time. Keys are held only as
 * SHA-256 digests so a heap dump or an accidental log of this object leaks nothing usable.
 */
export class ApiKeyVerifier {
  private readonly keys: { name: string; digest: Buffer }[];

  /** @param keys name → key, or one key (named "default"). */
  constructor(keys: Record<string, string> | string) {
    const entries = typeof keys === "string" ? [["default", keys] as const] : Object.entries(keys);
    this.keys = entries
      .filter(([, key]) => key.length > 0)
      .map(([name, key]) => ({ name, digest: digest(key) }));
  }

  get size(): number {
    return this.keys.length;
  }

  /** The principal for `token`, or `undefined` when it is no configured key. */
  verify(token: string): Principal | undefined {
    const d = digest(token);
    let match: string | undefined;
    // Compare against every key so timing does not reveal which key (or how many) exist.
    for (const key of this.keys) if (timingSafeEqual(d, key.digest)) match ??= key.name;
    return match === undefined
      ? undefined
      : { id: principalId("api_key", match), kind: "api_key", keyName: match };
  }
}
