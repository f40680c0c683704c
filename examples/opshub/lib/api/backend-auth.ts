/**
 * `getAuthHeaders()`, as in the seed: the headers that authenticate the signed-in user to
 * the agent backend. Server-side only; the token never reaches browser JavaScript.
 * @module
 */
import "server-only";
import { getSession } from "../auth/session";

/**
 * `{ Authorization: "Bearer <session JWT>" }`, or null when nobody is signed in.
 * @example const headers = await getAuthHeaders(); // { Authorization: 'Bearer eyJ...' }
 */
export async function getAuthHeaders(): Promise<Record<string, string> | null> {
  const session = await getSession();
  return session ? { Authorization: `Bearer ${session.token}` } : null;
}
