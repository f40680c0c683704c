import { describe, expect, it } from "vitest";
import { ErrorCode } from "./error-codes.js";
import { HTTP_STATUS_BY_CODE, HttpOnlyErrorCode, httpStatusOf } from "./http-status.js";

describe("HTTP_STATUS_BY_CODE", () => {
  it("gives every protocol error code an HTTP error status", () => {
    for (const code of [...Object.values(ErrorCode), ...Object.values(HttpOnlyErrorCode)]) {
      const status = httpStatusOf(code);
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
    }
    expect(Object.keys(HTTP_STATUS_BY_CODE).sort()).toEqual(
      [...Object.values(ErrorCode), ...Object.values(HttpOnlyErrorCode)].sort(),
    );
  });

  it("answers a dependency outage 503 and a refusal 403, never the other way round", () => {
    expect(httpStatusOf(ErrorCode.Unavailable)).toBe(503);
    expect(httpStatusOf(ErrorCode.Forbidden)).toBe(403);
    expect(httpStatusOf(ErrorCode.ResumeUnavailable)).toBe(410);
    expect(httpStatusOf(ErrorCode.RateLimited)).toBe(429);
  });

  it("knows nothing of codes outside the protocol (nor of Object.prototype names)", () => {
    expect(httpStatusOf("my_app_refusal")).toBeUndefined();
    expect(httpStatusOf("toString")).toBeUndefined();
    expect(httpStatusOf("__proto__")).toBeUndefined();
  });
});
