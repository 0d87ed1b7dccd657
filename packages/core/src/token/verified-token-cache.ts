import { hash, type KeyObject } from 'node:crypto'
import { validateClaims } from './validate-claims.js'
import { verifyJwt, type JwtVerifierConfig, type VerifiedJwt } from './verify-jwt.js'

/** Default bound of the verified-token cache (entries of one authenticator). */
export const DEFAULT_CACHE_MAX_ENTRIES = 10_000

/**
 * What the cache keeps of a verified token. Never the token itself: entries are found by the
 * SHA-256 of the token, so a heap dump of the cache yields no usable credential.
 */
export interface CachedVerification {
  /** base64url SHA-256 of the token string. */
  readonly tokenHash: string
  readonly verified: VerifiedJwt
  /** The key that verified the signature: the entry goes when that key leaves the key set. */
  readonly key: KeyObject
  /** Milliseconds: the entry is never served at or after this time (the token's `exp`). */
  readonly expiresAt: number
}

/**
 * Invalidation of cached verifications, for revocation and operational use (a compromised
 * key, a logged-out session). Removing an entry only forces the next request with that token
 * through full verification; it never makes a token valid.
 */
export interface TokenCacheControl {
  /** Entries currently held. */
  readonly size: number
  /** Forgets one token. Returns whether it was cached. */
  delete(token: string): boolean
  /** Forgets one token by its hash (base64url SHA-256, as `hashToken` computes). */
  deleteHash(tokenHash: string): boolean
  /**
   * Forgets every token whose verified claims match `predicate` (for example
   * `(claims) => claims.jti === id`, or by `sub`, `sid`, `client_id`). Returns how many.
   */
  deleteWhere(predicate: (claims: Readonly<Record<string, unknown>>, issuer: string) => boolean): number
  /** Forgets everything. */
  clear(): void
}

/** The cache key of a token: base64url SHA-256 of its string. */
export function hashToken(token: string): string {
  // The one-shot hash: no Hash object per request (it showed in CPU profiles of the hit path).
  return hash('sha256', token, 'base64url')
}

/** Freezes a JSON value in depth: cached claims are shared by every request with that token. */
function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return
  Object.freeze(value)
  for (const member of Object.values(value)) deepFreeze(member)
}

/**
 * A bounded LRU of verified tokens, keyed by token hash. Only the outcome of the work that
 * depends on nothing but the token bytes and the (constant) configuration is kept: strict
 * parsing, header checks, issuer lookup and the signature. Everything that depends on time or
 * on the request (claims against the clock, scopes, binding, revocation) is the caller's to
 * run again on every hit. Invalid tokens are never stored (no negative caching: an attacker
 * can vary a forged token at no cost, so a negative cache would only be filled by them).
 */
export class VerifiedTokenCache implements TokenCacheControl {
  // A Map iterates in insertion order: re-inserting on a hit makes the first key the LRU one.
  private readonly entries = new Map<string, CachedVerification>()
  // Bumped by every key removal: a verification that was in flight across one is not stored,
  // since the key it used may be the one that just left.
  private generation = 0

  constructor(
    private readonly maxEntries: number,
    /** Longest an entry is kept, in milliseconds, even when `exp` is later. */
    private readonly maxTtlMs: number,
  ) {}

  get size(): number {
    return this.entries.size
  }

  /**
   * `verifyJwt` through the cache. On a hit the claims are validated again against the clock
   * (exp, nbf, iat, maxTokenAge, with tolerance): only the time-independent work is skipped.
   * Request-dependent checks (scopes, binding, revocation) are the caller's, after this.
   */
  verify(token: string, config: JwtVerifierConfig): VerifiedJwt | Promise<VerifiedJwt> {
    const tokenHash = hashToken(token)
    const now = config.clock()
    const hit = this.get(tokenHash, now)
    // Keys too old to use (the JWKS is down past maxStale): full verification answers 503.
    if (hit !== undefined && config.issuers.get(hit.verified.issuer)?.revalidate?.() !== false) {
      const { verified } = hit
      validateClaims(verified.header['typ'] as string | undefined, verified.payload, config.rules, now / 1000)
      return verified
    }
    const generation = this.generation
    return verifyJwt(token, config).then((verified) => {
      if (generation === this.generation) this.set(tokenHash, verified, verified.key, config.clock())
      return verified
    })
  }

  /** The entry for `tokenHash` if it is still before its expiry at `now` (ms), else undefined. */
  get(tokenHash: string, now: number): CachedVerification | undefined {
    const entry = this.entries.get(tokenHash)
    if (entry === undefined) return undefined
    if (now >= entry.expiresAt) {
      this.entries.delete(tokenHash)
      return undefined
    }
    // Refresh recency only when the entry is not already the most recent one.
    this.entries.delete(tokenHash)
    this.entries.set(tokenHash, entry)
    return entry
  }

  /**
   * Stores a token that was just fully verified at `now` (ms). Tokens without a numeric `exp`
   * are not stored (the verifier refuses them anyway); nor are ones already expired.
   */
  set(tokenHash: string, verified: VerifiedJwt, key: KeyObject, now: number): void {
    const exp = verified.payload['exp']
    if (typeof exp !== 'number' || !Number.isFinite(exp)) return
    const expiresAt = Math.min(exp * 1000, now + this.maxTtlMs)
    if (expiresAt <= now) return
    // Requests with the same token share these objects: no request may change what the next sees.
    deepFreeze(verified.payload)
    deepFreeze(verified.header)
    this.entries.delete(tokenHash)
    this.entries.set(tokenHash, { tokenHash, verified, key, expiresAt })
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string
      this.entries.delete(oldest)
    }
  }

  delete(token: string): boolean {
    return this.entries.delete(hashToken(token))
  }

  deleteHash(tokenHash: string): boolean {
    return this.entries.delete(tokenHash)
  }

  deleteWhere(predicate: (claims: Readonly<Record<string, unknown>>, issuer: string) => boolean): number {
    let removed = 0
    for (const [hash, entry] of this.entries) {
      if (predicate(entry.verified.payload, entry.verified.issuer)) {
        this.entries.delete(hash)
        removed++
      }
    }
    return removed
  }

  /** Forgets every token verified by one of `keys` (they left their issuer's key set). */
  deleteByKeys(keys: ReadonlySet<KeyObject>): number {
    this.generation++
    let removed = 0
    for (const [hash, entry] of this.entries) {
      if (keys.has(entry.key)) {
        this.entries.delete(hash)
        removed++
      }
    }
    return removed
  }

  clear(): void {
    this.entries.clear()
  }
}

/** A cache that holds nothing: `cache: false`. The control API still works (as no-ops). */
export const NO_CACHE: TokenCacheControl = Object.freeze({
  size: 0,
  delete: () => false,
  deleteHash: () => false,
  deleteWhere: () => 0,
  clear: () => undefined,
})
