import { describe, expect, it } from "vitest";
import { applyPatchImmutable } from "./json-patch.js";

describe("applyPatchImmutable", () => {
  it("applies every RFC 6902 operation without touching the input", () => {
    const doc = { a: { b: 1, c: [1, 2, 3] }, d: { e: "x" }, keep: { deep: { v: 1 } } };
    const before = JSON.stringify(doc);
    const r = applyPatchImmutable(doc, [
      { op: "add", path: "/a/c/1", value: 9 },
      { op: "remove", path: "/a/b" },
      { op: "replace", path: "/d/e", value: "y" },
      { op: "move", from: "/d/e", path: "/a/moved" },
      { op: "copy", from: "/a/c", path: "/copied" },
      { op: "test", path: "/a/moved", value: "y" },
      { op: "add", path: "/a/c/-", value: 4 },
    ]);
    expect(r.ok).toBe(true);
    expect(JSON.stringify(doc)).toBe(before);
    expect(r.ok && r.value).toEqual({
      a: { c: [1, 9, 2, 3, 4], moved: "y" },
      d: {},
      keep: { deep: { v: 1 } },
      copied: [1, 9, 2, 3],
    });
  });

  it("shares every subtree the patch did not touch", () => {
    const doc = { touched: { n: 1 }, untouched: { big: [1, 2, 3] } };
    const r = applyPatchImmutable(doc, [{ op: "replace", path: "/touched/n", value: 2 }]);
    if (!r.ok) throw new Error(r.message);
    const value = r.value as typeof doc;
    expect(value).not.toBe(doc);
    expect(value.touched).not.toBe(doc.touched);
    expect(value.untouched).toBe(doc.untouched);
  });

  it("leaves the input unchanged when an operation in the middle fails", () => {
    const doc = { a: 1, list: [1] };
    const r = applyPatchImmutable(doc, [
      { op: "replace", path: "/a", value: 2 },
      { op: "replace", path: "/missing/x", value: 3 },
    ]);
    expect(r.ok).toBe(false);
    expect(doc).toEqual({ a: 1, list: [1] });
  });

  it("reports a failed test operation", () => {
    const r = applyPatchImmutable({ a: 1 }, [{ op: "test", path: "/a", value: 2 }]);
    expect(r).toMatchObject({ ok: false, message: expect.stringMatching(/Test operation failed/) });
  });

  it("refuses prototype pollution", () => {
    const r = applyPatchImmutable({}, [{ op: "add", path: "/__proto__/polluted", value: true }]);
    expect(r.ok).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("replaces the root with path ''", () => {
    expect(applyPatchImmutable({ a: 1 }, [{ op: "replace", path: "", value: [1] }])).toEqual({
      ok: true,
      value: [1],
    });
  });

  it("never mutates a value it inserted earlier, even when later operations change it", () => {
    const value = { inner: { n: 1 } };
    const r = applyPatchImmutable({}, [
      { op: "add", path: "/v", value },
      { op: "replace", path: "/v/inner/n", value: 2 },
    ]);
    expect(r.ok && r.value).toEqual({ v: { inner: { n: 2 } } });
    expect(value.inner.n).toBe(1);
  });

  it("rejects a patch that is not an array", () => {
    expect(applyPatchImmutable({}, { op: "add" } as never).ok).toBe(false);
  });
});
