/**
 * The nesting limit for JSON the server accepts (WebSocket frames and HTTP bodies).
 *
 * Why: JSON.parse itself copes with any depth, but much of what runs after it does not — a
 * structured clone, a recursive fold, a JSON patch, a logger serializing the value — and
 * overflowing the stack there (in a timer or promise callback) took the whole process down.
 * So nesting is checked on the text, before anything parses it, without recursion.
 * @module
 */

/**
 * Deepest nesting of arrays and objects accepted in one frame or request body, counting the
 * frame's own object as level 1 (so `input.state` may nest about 60 levels). Real
 * conversations and agent state stay far below it. See docs/security.md.
 */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Whether the JSON `text` nests arrays/objects deeper than `maxDepth`. One pass over the text,
 * no recursion, no allocation: string literals are skipped with `indexOf`, so the cost is in
 * the structural characters (a chat frame is mostly string content). Text that is not valid
 * JSON may get either answer; the parser rejects it afterwards anyway.
 * @example
 * if (exceedsJsonDepth(text)) return badRequest(`nests deeper than ${MAX_JSON_DEPTH} levels`);
 */
export function exceedsJsonDepth(text: string, maxDepth: number = MAX_JSON_DEPTH): boolean {
  // Fewer structural characters than the limit cannot exceed it: the common small frame costs nothing.
  if (text.length <= maxDepth) return false;
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Jump to the closing quote: the first one not preceded by an odd run of backslashes.
      for (;;) {
        const q = text.indexOf('"', i + 1);
        if (q === -1) return false; // unterminated string: not JSON, the parser says so
        let slashes = 0;
        for (let b = q - 1; text.charCodeAt(b) === BACKSLASH; b--) slashes++;
        i = q;
        if ((slashes & 1) === 0) break;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}
