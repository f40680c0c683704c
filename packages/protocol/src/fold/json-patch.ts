/**
 * RFC 6902 patches applied without mutating their input. Each operation first copies the
 * containers on its path (and only those), then fast-json-patch applies it in place on the
 * copies. Cost is proportional to the path, not the document; untouched subtrees keep their
 * identity, so a UI re-renders only what changed; and a patch that fails half-way leaves
 * the original untouched.
 * @module
 */
import type { JsonPatchOperation } from "@ag-ui/core";
import { applyOperation } from "fast-json-patch/module/core.mjs";

/** What `applyPatchImmutable` produced. */
export type PatchOutcome = { ok: true; value: unknown } | { ok: false; message: string };

function unescapeToken(token: string): string {
  return token.includes("~") ? token.replace(/~1/g, "/").replace(/~0/g, "~") : token;
}

function shallowCopy(value: object): object {
  return Array.isArray(value) ? value.slice() : { ...value };
}

/**
 * Copies every container from `root` down to the parent of `pointer`'s target, unless this
 * patch already copied it (`fresh`). Returns the (possibly new) root.
 */
function copyPath(root: unknown, pointer: string, fresh: Set<object>): unknown {
  if (root === null || typeof root !== "object") return root;
  let top = root as object;
  if (!fresh.has(top)) {
    top = shallowCopy(top);
    fresh.add(top);
  }
  const tokens = pointer.split("/").slice(1);
  let parent = top as Record<string, unknown>;
  for (let i = 0; i < tokens.length - 1; i++) {
    const key = unescapeToken(tokens[i]!);
    // Only own properties: "__proto__" and friends must never be walked into (or copied over).
    if (!Object.hasOwn(parent, key)) break;
    const child = parent[key];
    if (child === null || typeof child !== "object") break;
    let next = child as object;
    if (!fresh.has(next)) {
      next = shallowCopy(next);
      fresh.add(next);
      parent[key] = next;
    }
    parent = next as Record<string, unknown>;
  }
  return top;
}

/**
 * Applies `patch` to `document` and returns the new document, sharing every subtree the patch
 * did not touch. `document` is never modified. A patch that does not apply (bad path, failed
 * `test`, prototype pollution attempt) returns `{ ok: false }` with fast-json-patch's reason.
 */
export function applyPatchImmutable(document: unknown, patch: readonly JsonPatchOperation[]): PatchOutcome {
  if (!Array.isArray(patch)) return { ok: false, message: "the patch is not an array of operations" };
  const fresh = new Set<object>();
  let doc = document;
  try {
    for (let i = 0; i < patch.length; i++) {
      const op = patch[i] as JsonPatchOperation & { from?: string };
      if (typeof op !== "object" || op === null || typeof op.path !== "string") {
        return { ok: false, message: `operation ${i} is not an object with a string path` };
      }
      if (op.op !== "test" && op.path !== "") doc = copyPath(doc, op.path, fresh);
      if (op.op === "move" && typeof op.from === "string") doc = copyPath(doc, op.from, fresh);
      // fast-json-patch writes `_get` results onto the operation it is given; hand it a copy.
      doc = applyOperation(doc, { ...op } as never, true, true, true, i).newDocument;
    }
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  return { ok: true, value: doc };
}
