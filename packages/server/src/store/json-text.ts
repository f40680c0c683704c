/**
 * JSON text for storage. Postgres `jsonb` refuses the NUL character (`\u0000`), which a
 * model can emit; we store U+FFFD in its place rather than lose the whole conversation.
 * @module
 */

/** `JSON.stringify(value)` with every escaped NUL replaced by U+FFFD. */
export function safeJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (!text.includes("\\u0000")) return text;
  // Only an escape preceded by an even number of backslashes is a real `\u0000` escape.
  return text.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, "$1\\ufffd");
}
