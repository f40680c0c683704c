/**
 * The local demo sign-in's signing secret, shared with the agent backend through
 * `.data/jwt-secret` (or `OPSHUB_JWT_SECRET`). Created on first start by whichever side
 * starts first.
 * @module
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

function dataDir(): string {
  return process.env.OPSHUB_DATA_DIR || join(process.cwd(), ".data");
}

/** The secret; generated (48 random bytes, mode 0600) when there is none yet. */
export function localSecret(): string {
  if (process.env.OPSHUB_JWT_SECRET) return process.env.OPSHUB_JWT_SECRET;
  const file = join(dataDir(), "jwt-secret");
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    mkdirSync(dataDir(), { recursive: true });
    try {
      writeFileSync(file, `${randomBytes(48).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
    } catch {
      // The backend created it in the meantime: use theirs.
    }
    return readFileSync(file, "utf8").trim();
  }
}
