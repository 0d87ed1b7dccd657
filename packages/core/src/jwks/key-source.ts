import type { KeyObject } from 'node:crypto'
import type { Algorithm } from '../token/algorithms.js'

/**
 * Where the verifier gets keys for one issuer. Returns the candidate keys for `alg`/`kid`
 * (empty: no such key, the token is invalid), or throws `DependencyUnavailable` when the
 * keys cannot be known right now (the request is answered 503, never `invalid_token`).
 */
export interface KeySource {
  getKeys(alg: Algorithm, kid: string | undefined): readonly KeyObject[] | Promise<readonly KeyObject[]>
  /**
   * Registers `listener` to hear of keys that left the set (a JWKS refresh without them).
   * Sources whose keys never change (static keys, a secret) do not implement it.
   */
  /**
   * Called when a cached verification is about to be reused without `getKeys`: starts a
   * background refresh if one is due (so key removals are still noticed when every request
   * hits the cache) and returns false when the keys are too old to be used at all.
   */
  revalidate?(): boolean
  onKeysRemoved?(listener: (keys: ReadonlySet<KeyObject>) => void): void
}
