import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exceedsJsonDepth, MAX_JSON_DEPTH } from "./json-depth.js";
import { parseClientFrame } from "./validate.js";

/** The nesting depth of a (shallow enough) value, the obvious recursive way. */
function depthOf(value: unknown): number {
  if (typeof value !== "object" || value === null) return 0;
  return 1 + Math.max(0, ...Object.values(value).map(depthOf));
}

describe("exceedsJsonDepth", () => {
  it("counts arrays and objects (the value itself is level 1), not scalars or strings", () => {
    expect(exceedsJsonDepth(JSON.parse(`{"a":[[1]]}`), 3)).toBe(false);
    expect(exceedsJsonDepth(JSON.parse(`{"a":[[[1]]]}`), 3)).toBe(true);
    expect(exceedsJsonDepth(JSON.parse(`{"s":"${"[{".repeat(100)}"}`), 1)).toBe(false);
    expect(exceedsJsonDepth("text", 0)).toBe(false);
    expect(exceedsJsonDepth(null, 0)).toBe(false);
  });

  it("handles 1,000,000 levels without recursion", () => {
    const n = 1_000_000;
    expect(exceedsJsonDepth(JSON.parse("[".repeat(n) + "]".repeat(n)))).toBe(true);
    expect(exceedsJsonDepth(JSON.parse(`{"a":`.repeat(n) + "1" + "}".repeat(n)))).toBe(true);
  });

  it("agrees with a recursive depth count for any JSON (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), fc.integer({ min: 0, max: 12 }), (value, max) => {
        expect(exceedsJsonDepth(value, max)).toBe(depthOf(value) > max);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("parseClientFrame and nesting", () => {
  const frame = (levels: number) =>
    `{"type":"run","id":"r1","agent":"a","input":{"threadId":"t","runId":"x","messages":[],"tools":[],"context":[],"state":{"d":${"[".repeat(levels)}${"]".repeat(levels)}}}}`;

  it("accepts a frame at the limit and answers bad_request (with the frame's id) one level past it", () => {
    // frame (1) + input (2) + state (3) + `levels` arrays
    expect(parseClientFrame(frame(MAX_JSON_DEPTH - 3)).ok).toBe(true);
    expect(parseClientFrame(frame(MAX_JSON_DEPTH - 2))).toMatchObject({
      ok: false,
      fatal: false,
      type: "run",
      id: "r1",
      message: expect.stringContaining(`deeper than ${MAX_JSON_DEPTH} levels`),
    });
  });

  it("closes (fatal) for a too-deep frame without a known type", () => {
    expect(parseClientFrame(`{"type":"nope","x":${"[".repeat(100)}${"]".repeat(100)}}`)).toMatchObject({
      ok: false,
      fatal: true,
    });
  });
});
