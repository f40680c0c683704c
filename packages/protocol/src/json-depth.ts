/**
 * The nesting limit for JSON the server accepts (WebSocket frames and HTTP bodies).
 *
 * Why: JSON.parse itself copes with any depth (V8 parses iteratively), but much of what runs
 * after it does not — a structured clone, a fold, a JSON patch, a logger serializing the
 * value — and overflowing the stack there (in a timer or promise callback) took the whole
 * process down. So every parser of untrusted JSON checks the depth right after JSON.parse,
 * without recursion, and drops the value before anything else can see it.
 * @module
 */

/**
 * Deepest nesting of arrays and objects accepted in one frame or request body, counting the
 * frame's (or body's) own object as level 1: a run frame's `input.state` may nest 61 more
 * levels, an HTTP body's `state` 62. Real conversations and agent state stay far below it.
 * See docs/security.md.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether the parsed JSON `value` nests arrays/objects deeper than `maxDepth` (the value
 * itself is level 1). Iterative, so it cannot overflow the stack whatever the depth, and it
 * stops at the first container past the limit. It visits containers only, never string
 * bytes: its cost is a fraction of the JSON.parse that built the value (docs/security.md has
 * the measurement).
 * @example
 * const value = JSON.parse(text);
 * if (exceedsJsonDepth(value)) throw badRequest(`nests deeper than ${MAX_JSON_DEPTH} levels`);
 */
export function exceedsJsonDepth(value: unknown, maxDepth: number = MAX_JSON_DEPTH): boolean {
  if (typeof value !== "object" || value === null) return false;
  const stack: object[] = [value];
  const depths: number[] = [1];
  while (stack.length > 0) {
    const v = stack.pop() as Record<string, unknown>;
    const d = depths.pop() as number;
    if (d > maxDepth) return true;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const c: unknown = v[i];
        if (typeof c === "object" && c !== null) {
          stack.push(c);
          depths.push(d + 1);
        }
      }
    } else {
      for (const k in v) {
        const c = v[k];
        if (typeof c === "object" && c !== null) {
          stack.push(c);
          depths.push(d + 1);
        }
      }
    }
  }
  return false;
}
