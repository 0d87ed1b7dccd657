import type { KeyObject } from 'node:crypto'
import { deepFreeze } from '../internal/deep-freeze.js'
import { estimateBytes, TtlCache } from '../internal/ttl-cache.js'
import { SecondUseFilter } from './second-use-filter.js'
import { tokenDigest } from './token-digest.js'
import { validateClaims } from './validate-claims.js'
import { verifyJwt, type JwtVerifierConfig, type VerifiedJwt } from './verify-jwt.js'

/** When a verified token enters the cache: at its first use, or at its second (the default). */
export type CacheAdmission = 'first-use' | 'second-use'

/** Default bound of the verified-token cache (entries of one authenticator). */
export const DEFAULT_CACHE_MAX_ENTRIES = 10_000
/** Default byte bound of the verified-token cache (estimated heap of one authenticator's entries). */
export const DEFAULT_CACHE_MAX_BYTES = 32 * 1024 * 1024

/**
 * What the cache keeps of a verified token. Never the token itself: entries are found by the
 * token's digest, so a heap dump of the cache yields no usable credential.
 */
interface CachedVerification {
  /** The token's digest (`tokenDigest`: base64url SHA-256 of its canonical form). */
  readonly tokenHash: string
  readonly verified: VerifiedJwt
  /** The key that verified the signature: the entry goes when that key leaves the key set. */
  readonly key: KeyObject
}

/**
 * Invalidation of cached verifications, for revocation and operational use (a compromised
 * key, a logged-out session). Removing an entry only forces the next request with that token
 * through full verification; it never makes a token valid.
 */
export interface TokenCacheControl {
  /** Entries currently held. */
  readonly size: number
  /** Estimated bytes those entries hold (bounded by `cache.maxBytes`). */
  readonly bytes: number
  /** Forgets one token (either spelling of an ECDSA-signed token). Returns whether it was cached. */
  delete(token: string): boolean
  /** Forgets one token by its digest (as `tokenDigest` computes). */
  deleteHash(tokenHash: string): boolean
  /**
   * Forgets every token whose verified claims match `predicate` (for example
   * `(claims) => claims.jti === id`, or by `sub`, `sid`, `client_id`). Returns how many.
   */
  deleteWhere(predicate: (claims: Readonly<Record<string, unknown>>, issuer: string) => boolean): number
  /** Forgets everything. */
  clear(): void
}

/**
 * A bounded LRU of verified tokens, keyed by token digest. Only the outcome of the work that
 * depends on nothing but the token bytes and the (constant) configuration is kept: strict
 * parsing, header checks, issuer lookup and the signature. Everything that depends on time or
 * on the request (claims against the clock, scopes, binding, revocation) is the caller's to
 * run again on every hit. Invalid tokens are never stored (no negative caching: an attacker
 * can vary a forged token at no cost, so a negative cache would only be filled by them).
 * Both spellings of an ECDSA-signed token (its high-S twin) share one entry: both verify.
 */
export class VerifiedTokenCache implements TokenCacheControl {
  private readonly entries: TtlCache<CachedVerification>
  // Bumped by every key removal: a verification that was in flight across one is not stored,
  // since the key it used may be the one that just left.
  private generation = 0
  private readonly admission: SecondUseFilter | undefined

  constructor(
    maxEntries: number,
    /** Longest an entry is kept, in milliseconds, even when `exp` is later. */
    private readonly maxTtlMs: number,
    /** Estimated bytes held at most (token and claims of every entry). */
    maxBytes: number = DEFAULT_CACHE_MAX_BYTES,
    clock: () => number = Date.now,
    /** `'second-use'`: a token is stored at its second verification (see SecondUseFilter). */
    admission: CacheAdmission = 'first-use',
  ) {
    this.entries = new TtlCache({ maxEntries, maxBytes }, clock)
    this.admission = admission === 'second-use' ? new SecondUseFilter(maxEntries) : undefined
  }

  get size(): number {
    return this.entries.size
  }

  get bytes(): number {
    return this.entries.bytes
  }

  /**
   * `verifyJwt` through the cache. On a hit the claims are validated again against the clock
   * (exp, nbf, iat, maxTokenAge, with tolerance): only the time-independent work is skipped.
   * Request-dependent checks (scopes, binding, revocation) are the caller's, after this.
   */
  verify(token: string, config: JwtVerifierConfig): VerifiedJwt | Promise<VerifiedJwt> {
    const tokenHash = tokenDigest(token)
    const hit = this.entries.get(tokenHash)
    // Keys too old to use (the JWKS is down past maxStale): full verification answers 503.
    if (hit !== undefined && config.issuers.get(hit.verified.issuer)?.revalidate?.() !== false) {
      const { verified } = hit
      validateClaims(verified.header['typ'] as string | undefined, verified.payload, config.rules, config.clock() / 1000)
      return verified
    }
    const generation = this.generation
    return verifyJwt(token, config).then((result) => {
      const verified: VerifiedJwt = { ...result, tokenHash }
      if (generation === this.generation && (this.admission === undefined || this.admission.admit(tokenHash))) {
        this.set(tokenHash, verified, config.clock(), token.length)
      }
      return verified
    })
  }

  /**
   * Stores a token that was just fully verified at `now` (ms). Tokens without a numeric `exp`
   * are not stored (the verifier refuses them anyway); nor are ones already expired, nor one
   * larger than the whole byte bound.
   */
  private set(tokenHash: string, verified: VerifiedJwt, now: number, tokenLength: number): void {
    const exp = verified.payload['exp']
    if (typeof exp !== 'number' || !Number.isFinite(exp)) return
    const expiresAt = Math.min(exp * 1000, now + this.maxTtlMs)
    if (expiresAt <= now) return
    // Requests with the same token share these objects: no request may change what the next sees.
    deepFreeze(verified.payload)
    deepFreeze(verified.header)
    // The decoded header and claims, plus the token's length for the signature and what the
    // verification left attached.
    const bytes = estimateBytes(verified.header, verified.payload) + tokenLength
    this.entries.set(tokenHash, { tokenHash, verified, key: verified.key }, expiresAt, bytes)
  }

  delete(token: string): boolean {
    return this.entries.delete(tokenDigest(token))
  }

  deleteHash(tokenHash: string): boolean {
    return this.entries.delete(tokenHash)
  }

  deleteWhere(predicate: (claims: Readonly<Record<string, unknown>>, issuer: string) => boolean): number {
    return this.entries.deleteWhere((entry) => predicate(entry.verified.payload, entry.verified.issuer))
  }

  /** Forgets every token verified by one of `keys` (they left their issuer's key set). */
  deleteByKeys(keys: ReadonlySet<KeyObject>): number {
    this.generation++
    return this.entries.deleteWhere((entry) => keys.has(entry.key))
  }

  clear(): void {
    this.entries.clear()
  }
}

/** A cache that holds nothing: `cache: false`. The control API still works (as no-ops). */
export const NO_CACHE: TokenCacheControl = Object.freeze({
  size: 0,
  bytes: 0,
  delete: () => false,
  deleteHash: () => false,
  deleteWhere: () => 0,
  clear: () => undefined,
})
