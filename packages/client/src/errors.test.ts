import { describe, expect, it } from "vitest";
import { BackchannelError, isBackchannelError } from "./errors.js";

describe("BackchannelError", () => {
  it("carries a stable code, the run, and its cause", () => {
    const cause = new Error("socket hang up");
    const err = new BackchannelError("connection_failed", "lost", { cause, runId: "r1", closeCode: 1006 });
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({
      name: "BackchannelError",
      code: "connection_failed",
      runId: "r1",
      closeCode: 1006,
    });
    expect(err.cause).toBe(cause);
  });

  it("from() maps a server error frame to its code and fields", () => {
    const frame = {
      type: "error",
      code: "rate_limited",
      message: "slow down",
      runId: "r2",
      retryAfterMs: 500,
    };
    const err = BackchannelError.from(frame);
    expect(err).toMatchObject({ code: "rate_limited", message: "slow down", runId: "r2", retryAfterMs: 500 });
    expect(err.cause).toBe(frame);
  });

  it("from() returns a BackchannelError unchanged and wraps anything else under the fallback code", () => {
    const original = new BackchannelError("auth_failed", "no");
    expect(BackchannelError.from(original)).toBe(original);
    const wrapped = BackchannelError.from(new TypeError("bad"), "protocol_error");
    expect(wrapped).toMatchObject({ code: "protocol_error", message: "bad" });
    expect(wrapped.cause).toBeInstanceOf(TypeError);
    expect(BackchannelError.from("plain")).toMatchObject({ code: "internal", message: "plain" });
  });

  it("isBackchannelError recognises instances, and look-alikes from another copy of the package", () => {
    expect(isBackchannelError(new BackchannelError("run_failed", "x"))).toBe(true);
    const foreign = Object.assign(new Error("x"), { name: "BackchannelError", code: "run_failed" });
    expect(isBackchannelError(foreign)).toBe(true);
    expect(isBackchannelError(new Error("x"))).toBe(false);
    expect(isBackchannelError({ name: "BackchannelError", code: "x" })).toBe(false);
    expect(isBackchannelError(null)).toBe(false);
  });

  it("says whether a retry may help: by code unless the error says otherwise", () => {
    expect(new BackchannelError("connection_failed", "lost").retryable).toBe(true);
    expect(new BackchannelError("rate_limited", "slow down").retryable).toBe(true);
    expect(new BackchannelError("auth_failed", "who?").retryable).toBe(false);
    expect(new BackchannelError("protocol_error", "what?").retryable).toBe(false);
    expect(new BackchannelError("connection_failed", "no runtime here", { retryable: false }).retryable).toBe(
      false,
    );
    expect(BackchannelError.from({ type: "error", code: "unavailable", message: "db down" }).retryable).toBe(
      true,
    );
  });
});
