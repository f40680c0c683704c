/**
 * JSON text for storage. Postgres `jsonb` refuses the NUL character (`\u0000`), which a
 * model can emit, and unpaired UTF-16 surrogates; we store U+FFFD in their place rather than
 * lose the whole conversation.
 * @module
 */

/**
 * `JSON.stringify(value)` with every escaped NUL and every unpaired surrogate replaced by
 * U+FFFD. JSON.stringify writes an unpaired surrogate as a `\udXXX` escape (and a valid pair as
 * the characters themselves), so any such escape in its output is an unpaired one, which
 * `jsonb` refuses: one of them used to make the whole conversation unsavable.
 */
export function safeJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (!text.includes("\\u0000") && !text.includes("\\ud")) return text;
  // Only an escape preceded by an even number of backslashes is a real escape.
  return text.replace(/(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/g, "$1\\ufffd");
}

/** Plain text for a Postgres `text` column: NUL and unpaired surrogates become U+FFFD. */
export function safeText(text: string): string {
  return text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what Postgres text cannot store
    /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    "\ufffd",
  );
}
