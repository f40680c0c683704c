/**
 * Who is calling. Built by the authenticator, handed to every agent run as `ctx.principal`,
 * and used for ownership checks (a principal reaches only its own runs and threads).
 */
export interface Principal {
  /**
   * Stable id, namespaced by kind so that no credential of one kind can ever yield another
   * kind's id: `user:<JWT sub>`, `apikey:<name>` for an API key, or `anonymous`.
   */
  id: string;
  kind: "user" | "api_key" | "anonymous";
  /** Verified JWT claims (user principals only); the raw `sub` is `claims.sub`. */
  claims?: Record<string, unknown>;
  /** The API key's configured name (api_key principals only). Never the key itself. */
  keyName?: string;
  /** When the credentials stop being valid, in ms since epoch. */
  expiresAt?: number;
}

export const ANONYMOUS: Principal = Object.freeze({ id: "anonymous", kind: "anonymous" }) as Principal;

/** The id prefix of each principal kind (`anonymous` has the single id `anonymous`). */
export const PRINCIPAL_ID_PREFIX = { user: "user:", api_key: "apikey:" } as const;

/**
 * The namespaced id of a principal of `kind` whose own id (JWT `sub`, key name) is `local`.
 * @example principalId("user", "7b0c…") // "user:7b0c…"
 */
export function principalId(kind: Principal["kind"], local: string): string {
  if (kind === "anonymous") return ANONYMOUS.id;
  return PRINCIPAL_ID_PREFIX[kind] + local;
}

/**
 * `principal` with its id in its kind's namespace: an id already carrying the kind's prefix is
 * kept, any other gets it (so a custom verifier's `{ kind: "user", id: "apikey:default" }`
 * becomes `user:apikey:default`, never the API key's principal). Throws TypeError for an
 * unknown kind or a non-string id: that is a bug in the verifier, not bad credentials.
 */
export function namespacePrincipal(principal: Principal): Principal {
  const { kind, id } = principal;
  if (typeof id !== "string" || id.length === 0) {
    throw new TypeError("A principal needs a non-empty string id");
  }
  if (kind === "anonymous") return id === ANONYMOUS.id ? principal : { ...principal, id: ANONYMOUS.id };
  if (kind !== "user" && kind !== "api_key") {
    throw new TypeError(`Unknown principal kind '${String(kind)}'; use "user", "api_key" or "anonymous"`);
  }
  const prefix = PRINCIPAL_ID_PREFIX[kind];
  return id.startsWith(prefix) ? principal : { ...principal, id: prefix + id };
}

/** Whether `a` and `b` are the same principal (same kind and id). */
export function samePrincipal(a: Principal, b: Principal): boolean {
  return a.id === b.id && a.kind === b.kind;
}
