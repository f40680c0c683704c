/**
 * Typed errors with a stable `code`. `code` values are documented in the server README.
 */
export class BackchannelServerError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BackchannelServerError";
    this.code = code;
  }
}

/** Invalid SDK options, thrown at construction time so misconfiguration never reaches production traffic. */
export class ConfigError extends BackchannelServerError {
  constructor(message: string) {
    super("config_error", message);
    this.name = "ConfigError";
  }
}

/** Credentials were missing, malformed, forged or expired. `message` is safe to send to the client. */
export class AuthError extends BackchannelServerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("auth_failed", message, options);
    this.name = "AuthError";
  }
}
