import { describe, expect, it } from "vitest";
import { ConfigError } from "./errors.js";
import { loadOptional } from "./optional-dependency.js";

describe("loadOptional", () => {
  it("loads an installed package once and hands back the same module", () => {
    const first = loadOptional<typeof import("ioredis")>("ioredis", "cluster");
    expect(typeof first.Redis).toBe("function");
    expect(loadOptional("ioredis", "cluster")).toBe(first);
  });

  it("names the package to install when it is missing", () => {
    let caught: unknown;
    try {
      loadOptional("backchannel-missing-driver", "The test store");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).code).toBe("config_error");
    expect((caught as Error).message).toBe(
      "The test store needs the 'backchannel-missing-driver' package: run `npm install backchannel-missing-driver`",
    );
  });
});
