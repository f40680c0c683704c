import { describe, expect, it } from "vitest";
import { sdkOptionsFromEnv } from "./config-from-env.js";

describe("sdkOptionsFromEnv", () => {
  it("maps every documented variable", () => {
    const opts = sdkOptionsFromEnv({
      AGENT_API_KEY: "k",
      JWT_SECRET: "s".repeat(40),
      JWT_ISSUER: "https://a, https://b",
      JWT_AUDIENCE: "authenticated",
      ALLOWED_ORIGINS: "https://app.example.com, http://localhost:3000",
      DATABASE_URL: "postgres://postgres@127.0.0.1/test",
      BACKCHANNEL_DATA_DIR: "/var/lib/bc",
      REDIS_URL: "redis://127.0.0.1:6379",
      BACKCHANNEL_NODE_ID: "node-a",
      BACKCHANNEL_PUBLIC_URL: "https://api.example.com",
      BACKCHANNEL_BASE_PATH: "/agents",
      BACKCHANNEL_TRUST_PROXY: "1",
      METRICS_TOKEN: "m".repeat(24),
      METRICS_PORT: "9464",
      METRICS_HOST: "0.0.0.0",
    });
    expect(opts).toEqual({
      auth: {
        apiKeys: { default: "k" },
        jwt: { secret: "s".repeat(40), issuer: ["https://a", "https://b"], audience: ["authenticated"] },
      },
      allowedOrigins: ["https://app.example.com", "http://localhost:3000"],
      basePath: "/agents",
      databaseUrl: "postgres://postgres@127.0.0.1/test",
      dataDir: "/var/lib/bc",
      publicUrl: "https://api.example.com",
      cluster: { redis: "redis://127.0.0.1:6379", nodeId: "node-a" },
      trustProxy: 1,
      metrics: { token: "m".repeat(24), port: 9464, host: "0.0.0.0" },
    });
  });

  it("uses JWKS_URL when there is no JWT_SECRET, and anonymous only when asked", () => {
    expect(sdkOptionsFromEnv({ JWKS_URL: "https://x/jwks.json" }).auth).toEqual({
      jwt: { jwksUrl: "https://x/jwks.json" },
    });
    expect(sdkOptionsFromEnv({}, { allowAnonymous: true }).auth).toEqual({ anonymous: true });
    expect(sdkOptionsFromEnv({ BACKCHANNEL_ALLOW_ANONYMOUS: "1" }).auth).toEqual({ anonymous: true });
    expect(sdkOptionsFromEnv({}).auth).toEqual({});
  });

  it("refuses a short METRICS_TOKEN and a METRICS_PORT that is not a port, saying what to use", () => {
    expect(() => sdkOptionsFromEnv({ METRICS_TOKEN: "short" })).toThrow(/at least 16 characters/);
    expect(() => sdkOptionsFromEnv({ METRICS_PORT: "http" })).toThrow(/between 0 and 65535/);
  });
});
