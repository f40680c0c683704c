import { type Logger, type LoggerOptions, pino } from "pino";

/**
 * Paths redacted from every log line. We never log credentials on purpose; this is the
 * second line of defence for user-supplied objects that end up in a log call.
 */
export const REDACT_PATHS = [
  "token",
  "*.token",
  "apiKey",
  "*.apiKey",
  "api_key",
  "*.api_key",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "req.headers.authorization",
  "secret",
  "*.secret",
  "ticket",
  "*.ticket",
];

/** Creates the default pino logger (JSON to stdout; level from `LOG_LEVEL`, default `info`). */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino({
    name: "backchannel",
    level: process.env.LOG_LEVEL ?? "info",
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    ...options,
  });
}

export type { Logger };

/** One log level: fields then a message, or a message alone. */
export interface LogMethod {
  (fields: object, message?: string): void;
  (message: string): void;
}

/**
 * The logger an agent gets as `ctx.logger`: four levels and `child`. Any logger with this
 * shape fits (pino's, which the runtime uses, does), so agents do not depend on pino.
 * @example ctx.logger.info({ step: "search" }, "calling the search tool");
 */
export interface AgentLogger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  /** A logger that adds `bindings` to every line. */
  child(bindings: Record<string, unknown>): AgentLogger;
}
