import { describe, expect, it } from "vitest";
import { classifyHttpFailure, classifyStreamError } from "./sse-errors.js";

const err = (code: string, retryAfterMs?: number) => ({
  code,
  message: `m-${code}`,
  ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
});

describe("classifyHttpFailure", () => {
  it("closes the socket for credentials (1008), capacity (1013) and server errors (1011)", () => {
    expect(classifyHttpFailure(401, err("auth_failed"))).toEqual({
      kind: "close",
      code: 1008,
      reason: "m-auth_failed",
    });
    expect(classifyHttpFailure(503, err("overloaded"))).toMatchObject({ kind: "close", code: 1013 });
    expect(classifyHttpFailure(429, err("too_many_connections"))).toMatchObject({
      kind: "close",
      code: 1013,
    });
    expect(classifyHttpFailure(502, err("x"))).toMatchObject({ kind: "close", code: 1011 });
    expect(classifyHttpFailure(503, err("going_away"))).toMatchObject({ kind: "close", code: 1001 });
  });

  it("treats a draining node's 503 service_restart as close 1012 (reconnect at once elsewhere)", () => {
    expect(classifyHttpFailure(503, err("service_restart"))).toEqual({
      kind: "close",
      code: 1012,
      reason: "m-service_restart",
    });
  });

  it("hands a 503 `unavailable` (store or Redis down) to the run, like the WebSocket's error frame", () => {
    expect(classifyHttpFailure(503, err("unavailable", 2000))).toEqual({
      kind: "frame",
      code: "unavailable",
      message: "m-unavailable",
      retryAfterMs: 2000,
    });
  });

  it("hands run-level refusals to the run as error frames, keeping retryAfterMs", () => {
    expect(classifyHttpFailure(429, err("rate_limited", 300))).toEqual({
      kind: "frame",
      code: "rate_limited",
      message: "m-rate_limited",
      retryAfterMs: 300,
    });
    for (const [status, code] of [
      [400, "bad_request"],
      [403, "forbidden"],
      [404, "unknown_agent"],
      [409, "run_conflict"],
      [410, "resume_unavailable"],
    ] as const) {
      expect(classifyHttpFailure(status, err(code))).toMatchObject({ kind: "frame", code });
    }
  });
});

describe("classifyStreamError", () => {
  it("ends the run for resume_unavailable, reconnects for transient ones, refreshes for auth", () => {
    const data = (code: string) => JSON.stringify({ type: "RUN_ERROR", code, message: code });
    expect(classifyStreamError(data("resume_unavailable"))).toMatchObject({
      kind: "frame",
      code: "resume_unavailable",
    });
    expect(classifyStreamError(data("slow_consumer"))).toMatchObject({ kind: "close", code: 4001 });
    expect(classifyStreamError(data("going_away"))).toMatchObject({ kind: "close", code: 1001 });
    expect(classifyStreamError(data("service_restart"))).toMatchObject({ kind: "close", code: 1012 });
    expect(classifyStreamError(data("auth_failed"))).toMatchObject({ kind: "close", code: 1008 });
    expect(classifyStreamError("not json")).toMatchObject({ kind: "close", code: 1006 });
  });
});
