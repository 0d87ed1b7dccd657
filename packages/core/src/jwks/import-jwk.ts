import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto'
import { MIN_RSA_MODULUS_BITS } from '../token/algorithms.js'
import { isSoundPublicKey } from './public-key-checks.js'

/** One verification key of a key set, imported once. */
export interface KeyEntry {
  readonly kid: string | undefined
  /** The JWK `alg`, when the key set binds the key to one algorithm (RFC 7517 §4.4). */
  readonly alg: string | undefined
  readonly key: KeyObject
}

// Members that only private or symmetric JWKs have (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2).
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const
const VERIFYING_KTY = new Set(['RSA', 'EC', 'OKP'])

/**
 * Imports one JWK as a public verification key, or returns `undefined` when the key is not
 * usable for verifying signatures: wrong `kty`, `use` other than `sig`, `key_ops` without
 * `verify` or with duplicate values, private or symmetric material, RSA under 2048 bits,
 * members node:crypto cannot import, or degenerate public parameters (`isSoundPublicKey`). An unusable key is skipped, never fatal to the whole set (RFC 7517 §5).
 */
export function importJwk(jwk: unknown): KeyEntry | undefined {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return undefined
  const member = jwk as Record<string, unknown>
  const { kty, use, key_ops: keyOps, kid, alg } = member
  if (typeof kty !== 'string' || !VERIFYING_KTY.has(kty)) return undefined
  if (use !== undefined && use !== 'sig') return undefined
  if (keyOps !== undefined && !(Array.isArray(keyOps) && keyOps.includes('verify'))) return undefined
  // RFC 7517 §4.3: "Duplicate key operation values MUST NOT be present in the array."
  if (keyOps !== undefined && new Set(keyOps as unknown[]).size !== (keyOps as unknown[]).length) return undefined
  if (kid !== undefined && typeof kid !== 'string') return undefined
  if (alg !== undefined && typeof alg !== 'string') return undefined
  // A key set that publishes private material is broken or hostile: never import it.
  for (const name of PRIVATE_MEMBERS) if (member[name] !== undefined) return undefined
  let key: KeyObject
  try {
    // Only the members node:crypto needs are passed: x5c, x5u and friends are never followed.
    key = createPublicKey({ key: pickPublicMembers(member), format: 'jwk' })
  } catch {
    return undefined
  }
  if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_MODULUS_BITS) {
    return undefined
  }
  // Degenerate keys (RSA e = 1, small-order EdDSA points, out-of-range EC coordinates) would
  // verify "signatures" made without any private key.
  if (!isSoundPublicKey(key, member)) return undefined
  return { kid, alg, key }
}

function pickPublicMembers(jwk: Record<string, unknown>): JsonWebKey {
  const out: Record<string, unknown> = { kty: jwk['kty'] }
  for (const name of ['n', 'e', 'crv', 'x', 'y']) if (jwk[name] !== undefined) out[name] = jwk[name]
  return out as JsonWebKey
}
