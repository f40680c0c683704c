/**
 * The rule for ids a client chooses (threadId, runId, message and tool-call ids, frame ids).
 * Why: ids end up in database keys, URLs, logs and headers. A NUL reached Postgres and came back
 * as a fake "database unavailable"; a lone surrogate cannot be stored as UTF-8 at all.
 * @module
 */

/** Longest id accepted, in UTF-16 code units. */
export const MAX_ID_LENGTH = 256;

// C0 controls (NUL included), DEL and C1 controls.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What is allowed, for error messages and docs. */
export const ID_RULE = `1-${MAX_ID_LENGTH} characters, no control characters (such as NUL) and no unpaired UTF-16 surrogates; a UUID is ideal`;

/**
 * Why `value` is not a valid id, or `undefined` when it is: 1 to MAX_ID_LENGTH characters,
 * none of them a control character (U+0000-U+001F, U+007F-U+009F) or an unpaired surrogate.
 * Any other Unicode is allowed, so existing readable ids keep working.
 * @example
 * const problem = idProblem(threadId);
 * if (problem) throw badRequest(`threadId ${problem}`);
 */
export function idProblem(value: unknown): string | undefined {
  if (typeof value !== "string") return "must be a string";
  if (value.length === 0 || value.length > MAX_ID_LENGTH) return `must be ${ID_RULE}`;
  if (CONTROL.test(value)) return `must not contain control characters (${ID_RULE})`;
  if (LONE_SURROGATE.test(value)) return `must not contain unpaired surrogates (${ID_RULE})`;
  return undefined;
}
