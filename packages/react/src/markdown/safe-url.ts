/**
 * Which link targets an agent's Markdown may use. Model output is untrusted (prompt injection
 * can put anything in it), so only web, mail and in-page links survive.
 * @module
 */

const ALLOWED = new Set(["http:", "https:", "mailto:"]);

/**
 * Returns `url` if it is an http(s) or mailto URL, a relative path or a fragment; otherwise
 * null (javascript:, data:, vbscript:, file: and anything unparsable).
 */
export function safeUrl(url: string | undefined | null): string | null {
  if (typeof url !== "string") return null;
  // Browsers ignore control characters and whitespace inside schemes ("java\tscript:").
  let cleaned = "";
  for (const ch of url) {
    const code = ch.charCodeAt(0);
    if (code > 0x20 && (code < 0x7f || code > 0x9f)) cleaned += ch;
  }
  if (cleaned === "") return null;
  if (/^[/#?.]/.test(cleaned) && !cleaned.startsWith("//")) return url.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(cleaned);
  if (!scheme) return url.trim(); // a relative path such as "docs/page"
  return ALLOWED.has(`${scheme[1]!.toLowerCase()}:`) ? url.trim() : null;
}
