import type { AuthOptions } from "./auth/authenticator.js";
import { ConfigError } from "./errors.js";
import { parseTrustProxy } from "./http/client-address.js";
import type { MetricsOptions } from "./ops/metrics.js";
import type { SDKOptions } from "./options.js";

/** Environment variables the CLI reads (all optional). Documented in the server README. */
export interface RuntimeEnv {
  PORT?: string;
  HOST?: string;
  AGENT_API_KEY?: string;
  JWT_SECRET?: string;
  JWKS_URL?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  ALLOWED_ORIGINS?: string;
  BACKCHANNEL_ALLOW_ANONYMOUS?: string;
  BACKCHANNEL_BASE_PATH?: string;
  DATABASE_URL?: string;
  BACKCHANNEL_DATA_DIR?: string;
  REDIS_URL?: string;
  BACKCHANNEL_NODE_ID?: string;
  BACKCHANNEL_PUBLIC_URL?: string;
  BACKCHANNEL_EXPOSE_ERRORS?: string;
  BACKCHANNEL_TRUST_PROXY?: string;
  METRICS_TOKEN?: string;
  METRICS_PORT?: string;
  METRICS_HOST?: string;
  [key: string]: string | undefined;
}

/** Splits a comma-separated list, dropping blanks. */
export function list(value: string | undefined): string[] | undefined {
  const items = value
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return items?.length ? items : undefined;
}

/** Builds the auth options from `AGENT_API_KEY`, `JWT_SECRET`/`JWKS_URL`, `JWT_ISSUER`, `JWT_AUDIENCE`. */
export function authFromEnv(env: RuntimeEnv, allowAnonymous = false): AuthOptions {
  const auth: AuthOptions = {};
  if (env.AGENT_API_KEY) auth.apiKeys = { default: env.AGENT_API_KEY };
  if (env.JWT_SECRET || env.JWKS_URL) {
    auth.jwt = {
      ...(env.JWT_SECRET ? { secret: env.JWT_SECRET } : { jwksUrl: env.JWKS_URL }),
      ...(list(env.JWT_ISSUER) ? { issuer: list(env.JWT_ISSUER) } : {}),
      ...(list(env.JWT_AUDIENCE) ? { audience: list(env.JWT_AUDIENCE) } : {}),
    };
  }
  if (
    allowAnonymous ||
    env.BACKCHANNEL_ALLOW_ANONYMOUS === "1" ||
    env.BACKCHANNEL_ALLOW_ANONYMOUS === "true"
  ) {
    auth.anonymous = true;
  }
  return auth;
}

/**
 * SDK options (everything but `agents`) from the environment. Features added later (stores,
 * Redis) extend this function so that `backchannel serve` picks them up.
 */
export function sdkOptionsFromEnv(
  env: RuntimeEnv,
  flags: { allowAnonymous?: boolean; basePath?: string } = {},
): Omit<SDKOptions, "agents"> {
  const origins = list(env.ALLOWED_ORIGINS);
  const basePath = flags.basePath ?? env.BACKCHANNEL_BASE_PATH;
  const trustProxy = parseTrustProxy(env.BACKCHANNEL_TRUST_PROXY);
  const metrics = metricsFromEnv(env);
  return {
    ...(trustProxy !== false ? { trustProxy } : {}),
    ...(metrics ? { metrics } : {}),
    auth: authFromEnv(env, flags.allowAnonymous),
    ...(origins ? { allowedOrigins: origins } : {}),
    ...(basePath ? { basePath } : {}),
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    ...(env.BACKCHANNEL_DATA_DIR ? { dataDir: env.BACKCHANNEL_DATA_DIR } : {}),
    ...(env.BACKCHANNEL_PUBLIC_URL ? { publicUrl: env.BACKCHANNEL_PUBLIC_URL } : {}),
    ...(env.BACKCHANNEL_EXPOSE_ERRORS === "1" || env.BACKCHANNEL_EXPOSE_ERRORS === "true"
      ? { exposeErrors: true }
      : {}),
    ...(env.REDIS_URL
      ? {
          cluster: {
            redis: env.REDIS_URL,
            ...(env.BACKCHANNEL_NODE_ID ? { nodeId: env.BACKCHANNEL_NODE_ID } : {}),
          },
        }
      : {}),
  };
}

/** Metrics serving from `METRICS_TOKEN` (bearer on the main port) and `METRICS_PORT`/`METRICS_HOST` (own listener). */
export function metricsFromEnv(env: RuntimeEnv): MetricsOptions | undefined {
  const out: MetricsOptions = {};
  if (env.METRICS_TOKEN) {
    if (env.METRICS_TOKEN.length < 16)
      throw new ConfigError("METRICS_TOKEN must be at least 16 characters (e.g. `openssl rand -hex 24`)");
    out.token = env.METRICS_TOKEN;
  }
  if (env.METRICS_PORT) {
    const port = Number(env.METRICS_PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new ConfigError(
        `METRICS_PORT '${env.METRICS_PORT}' is not a port; use a number between 0 and 65535`,
      );
    out.port = port;
  }
  if (env.METRICS_HOST) out.host = env.METRICS_HOST;
  return Object.keys(out).length ? out : undefined;
}
