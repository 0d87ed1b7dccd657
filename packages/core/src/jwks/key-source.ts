import type { KeyObject } from 'node:crypto'
import type { Algorithm } from '../token/algorithms.js'

/** What a key source may learn about the token whose key it is asked for. */
export interface KeyLookupHint {
  /**
   * The token's `iat` (seconds) when the token passes every check that does not need its
   * signature (type, times, audience), otherwise `undefined`. Evaluated lazily: only sources
   * that need it (an unknown `kid`) pay for it. Attacker-controlled: a hint, never a proof.
   */
  issuedAt(): number | undefined
}

/**
 * Where the verifier gets keys for one issuer. Returns the candidate keys for `alg`/`kid`
 * (empty: no such key, the token is invalid), or throws `DependencyUnavailable` when the
 * keys cannot be known right now (the request is answered 503, never `invalid_token`).
 */
export interface KeySource {
  getKeys(alg: Algorithm, kid: string | undefined, hint?: KeyLookupHint): readonly KeyObject[] | Promise<readonly KeyObject[]>
  /**
   * Called when a cached verification is about to be reused without `getKeys`: starts a
   * background refresh if one is due (so key removals are still noticed when every request
   * hits the cache) and returns false when the keys are too old to be used at all.
   */
  revalidate?(): boolean
  /**
   * Registers `listener` to hear of keys that left the set (a JWKS refresh without them).
   * Sources whose keys never change (static keys, a secret) do not implement it.
   */
  onKeysRemoved?(listener: (keys: ReadonlySet<KeyObject>) => void): void
  /**
   * Removes the keys whose RFC 7638 thumbprint is in `thumbprints` from the set at once (another
   * process saw them leave the key set) and returns them. The next token naming one of them
   * refetches the key set, cooldown or not, so a key still published comes back. Listeners of
   * `onKeysRemoved` are not called: the removal did not come from this source's own refresh.
   * Sources whose keys never change do not implement it.
   */
  distrust?(thumbprints: ReadonlySet<string>): ReadonlySet<KeyObject>
  /** Fetches remote keys now (startup); resolves with their number. Static sources lack it. */
  ready?(): Promise<number>
  /** The state of the keys, without a network call. */
  status?(): KeySourceStatus
}

/** The state of one issuer's keys, as `health()` reports it. */
export interface KeySourceStatus {
  /** The JWK Set URL (without query), once known; `undefined` for configured keys. */
  readonly jwksUri: string | undefined
  /** Usable keys now (0: requests with this issuer's tokens are answered 503). */
  readonly keys: number
  /** When the current keys were fetched (epoch ms); `undefined` before the first fetch or for configured keys. */
  readonly lastFetch: number | undefined
  /** The keys are older than `jwks.cacheMaxAge` (the last refresh is late or failing). */
  readonly stale: boolean
  /** The last fetch failed: its kind, URL and message (never a secret). */
  readonly lastError?: { readonly kind: string; readonly url?: string; readonly message: string }
}
