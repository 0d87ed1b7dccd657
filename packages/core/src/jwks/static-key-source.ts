import { createPrivateKey, createPublicKey, createSecretKey, KeyObject, type JsonWebKey } from 'node:crypto'
import { configurationError } from '../errors.js'
import { ALGORITHMS, MIN_RSA_MODULUS_BITS, type Algorithm, type AsymmetricAlgorithm } from '../token/algorithms.js'
import type { KeySource } from './key-source.js'
import { KeyIndex, parseJwkSet } from './key-index.js'
import { importJwk, type KeyEntry } from './import-jwk.js'
import { isSoundPublicKey } from './public-key-checks.js'

/** A public key given in configuration: a JWK, a PEM (SPKI) string, or a `KeyObject`. */
export type StaticKey = JsonWebKey | string | KeyObject

/** Static keys: a JWK Set document, or a list of keys. */
export type StaticKeys = { keys: readonly unknown[] } | readonly StaticKey[]

// The key types some allowed algorithm can use; RSA must also reach MIN_RSA_MODULUS_BITS.
const USABLE_TYPES = new Set(['rsa', 'rsa-pss', 'ec', 'ed25519', 'ed448'])

function checkedPublicKey(key: KeyObject, index: number): KeyEntry {
  if (key.type !== 'public') throw configurationError(`keys[${index}] must be a public key`)
  const type = key.asymmetricKeyType ?? ''
  if (!USABLE_TYPES.has(type)) throw configurationError(`keys[${index}] is a ${type} key, which no JWS algorithm here uses`)
  if ((type === 'rsa' || type === 'rsa-pss') && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_MODULUS_BITS) {
    throw configurationError(`keys[${index}] is an RSA key under ${MIN_RSA_MODULUS_BITS} bits`)
  }
  if (!isSoundPublicKey(key)) throw configurationError(`keys[${index}] has degenerate public parameters (e.g. RSA e = 1, a small-order point)`)
  return { kid: undefined, alg: undefined, key }
}

function isPrivatePem(pem: string): boolean {
  try {
    createPrivateKey(pem)
    return true
  } catch {
    return false
  }
}

function toEntry(key: StaticKey, index: number): KeyEntry {
  if (key instanceof KeyObject) return checkedPublicKey(key, index)
  if (typeof key === 'string') {
    // createPublicKey would quietly derive the public half of a private PEM: a private key in
    // the verifier's configuration is a leak waiting to happen, so it is refused.
    if (isPrivatePem(key)) throw configurationError(`keys[${index}] is a private key; give the public key`)
    let publicKey: KeyObject
    try {
      publicKey = createPublicKey(key)
    } catch (cause) {
      throw configurationError(`keys[${index}] is not a PEM public key`, cause)
    }
    return checkedPublicKey(publicKey, index)
  }
  const entry = importJwk(key)
  if (entry === undefined) throw configurationError(`keys[${index}] is not a usable public verification JWK`)
  return entry
}

/** Builds the key source for `keys` given in configuration (validated at creation). */
export function staticKeySource(keys: StaticKeys): KeySource {
  let index: KeyIndex
  if (Array.isArray(keys)) {
    index = new KeyIndex((keys as readonly StaticKey[]).map(toEntry))
  } else {
    index = parseJwkSet(keys, Number.MAX_SAFE_INTEGER)
  }
  if (index.size === 0) throw configurationError('keys holds no usable public verification key')
  const status = { jwksUri: undefined, keys: index.size, lastFetch: undefined, stale: false }
  return { getKeys: (alg, kid) => (ALGORITHMS[alg].family === 'hmac' ? [] : index.select(alg as AsymmetricAlgorithm, kid)), status: () => status }
}

/**
 * Builds the key source for an HMAC `secret`. RFC 7518 §3.2 and RFC 8725 §3.5: the secret
 * must be at least as long as the hash output of every allowed HMAC algorithm.
 */
export function secretKeySource(secret: string | Uint8Array | KeyObject, algorithms: readonly Algorithm[]): KeySource {
  let key: KeyObject
  if (secret instanceof KeyObject) {
    if (secret.type !== 'secret') throw configurationError('secret must be a secret KeyObject')
    key = secret
  } else {
    const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret)
    key = createSecretKey(bytes)
  }
  const size = key.symmetricKeySize ?? 0
  for (const alg of algorithms) {
    const min = ALGORITHMS[alg].minSecretBytes ?? 0
    if (size < min) throw configurationError(`secret must be at least ${min} bytes for ${alg}`)
  }
  const keys = [key]
  const none: KeyObject[] = []
  const status = { jwksUri: undefined, keys: 1, lastFetch: undefined, stale: false }
  return { getKeys: (alg) => (ALGORITHMS[alg].family === 'hmac' ? keys : none), status: () => status }
}
