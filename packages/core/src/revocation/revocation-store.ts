/**
 * Revocation at the resource server (RFC 7009 §2.1, §3): a denylist consulted on every
 * request, for JWTs and introspected tokens alike. Every method is async so that a shared
 * store (Redis) can implement the same interface; a store that throws or times out makes the
 * request fail closed with 503.
 */

/** Where a revocation applies: one issuer, or every configured issuer when omitted. */
export interface RevocationScope {
  readonly issuer?: string
}

/** Revokes one token by its `jti`, or by its value (opaque tokens without a `jti`). */
export type TokenRevocation = RevocationScope & {
  /** When the entry may be forgotten: the token's `exp`. Default: now + the store's `maxTokenLifetime`. */
  readonly expiresAt?: Date
} & ({ readonly jti: string; readonly token?: never } | { readonly token: string; readonly jti?: never })

/** Revokes every token of a subject (or a client) issued at or before `before` (default now). */
export interface IssuedBeforeRevocation extends RevocationScope {
  readonly before?: Date
}

/** Revokes every token of a session (`sid`). */
export interface SessionRevocation extends RevocationScope {
  readonly sid: string
  /** When the entry may be forgotten. Default: now + the store's `maxTokenLifetime`. */
  readonly expiresAt?: Date
}

/** What a store is asked about one token. */
export interface RevocationQuery {
  /** The token's issuer, as configured. */
  readonly issuer: string
  /** SHA-256 of the token, base64url: the store never sees the token itself (RFC 9700 §4.9.3). */
  readonly tokenHash: string
  readonly jti?: string
  readonly subject?: string
  readonly sid?: string
  readonly clientId?: string
  /** `iat` in seconds; a token without one is refused by a subject or client revocation. */
  readonly issuedAt?: number
}

/** Why a token is revoked. */
export type RevocationReason = 'jti' | 'token' | 'subject' | 'session' | 'client'

/**
 * A revocation denylist. `createRevocationStore()` gives the bounded in-memory default;
 * implement this interface for a store shared by several processes.
 */
export interface RevocationStore {
  /** Revokes one token by `jti`, or by value. */
  revokeToken(revocation: TokenRevocation): Promise<void>
  /** Revokes every token of `subject` issued at or before `before` ("log this user out everywhere"). */
  revokeSubject(subject: string, revocation?: IssuedBeforeRevocation): Promise<void>
  /** Revokes every token of session `sid`. */
  revokeSession(revocation: SessionRevocation): Promise<void>
  /** Revokes every token of client `clientId` issued at or before `before`. */
  revokeClient(clientId: string, revocation?: IssuedBeforeRevocation): Promise<void>
  /** Resolves with the reason `query` is revoked, or `undefined` when it is not. */
  check(query: RevocationQuery): Promise<RevocationReason | undefined>
}

/** The `revocation` option of `requireToken()`. */
export interface RevocationOptions {
  /** The store consulted on every request. */
  store: RevocationStore
  /** Longest wait for the store, in milliseconds, before answering 503. Default 1000. */
  timeout?: number
}
