import type { KeyObject } from 'node:crypto'
import type { Algorithm } from '../token/algorithms.js'

/**
 * Where the verifier gets keys for one issuer. Returns the candidate keys for `alg`/`kid`
 * (empty: no such key, the token is invalid), or throws `DependencyUnavailable` when the
 * keys cannot be known right now (the request is answered 503, never `invalid_token`).
 */
export interface KeySource {
  getKeys(alg: Algorithm, kid: string | undefined): readonly KeyObject[] | Promise<readonly KeyObject[]>
}
