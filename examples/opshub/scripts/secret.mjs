// The local sign-in secret, created once in the data folder and shared by the backend and the web app.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Creates `<dir>/jwt-secret` (48 random bytes, mode 0600) unless it exists or OPSHUB_JWT_SECRET is set. */
export function ensureSecret(dir) {
  if (process.env.OPSHUB_JWT_SECRET) return;
  const file = join(dir, "jwt-secret");
  if (existsSync(file)) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${randomBytes(48).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
}
