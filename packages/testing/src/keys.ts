import { generateKeyPair } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import type { JsonWebKey as JWK } from 'node:crypto'
import { sha256Thumbprint } from './internal/jwk-thumbprint.js'
import type { SigningAlgorithm } from './algorithms.js'
import { assertSigningAlgorithm } from './internal/validate.js'

/**
 * A signing key pair of a {@link LocalIssuer}.
 *
 * `privateKey` is a node:crypto `KeyObject` (not a WebCrypto `CryptoKey`): node:crypto signs with
 * any key size (jose refuses RSA below 2048 bits, which weak-key tests need), and jose's own
 * `SignJWT`/`CompactSign` accept a `KeyObject` too. `publicJwk` is frozen and never carries
 * private members.
 *
 * @example
 * ```ts
 * import { generateSigningKey } from '@portcullis/testing'
 * const key = await generateSigningKey('ES256')
 * console.log(key.publicJwk) // { kty: 'EC', crv: 'P-256', x, y, kid, alg: 'ES256', use: 'sig' }
 * ```
 */
export interface IssuerKey {
  /** Key id; defaults to the RFC 7638 SHA-256 thumbprint of the public key. */
  readonly kid: string
  readonly alg: SigningAlgorithm
  readonly privateKey: KeyObject
  /** Public JWK with `kid`, `alg` and `use: 'sig'`. */
  readonly publicJwk: JWK
}

/**
 * Options of {@link generateSigningKey}.
 *
 * @example
 * ```ts
 * import { generateSigningKey, type GenerateSigningKeyOptions } from '@portcullis/testing'
 * const options: GenerateSigningKeyOptions = { kid: 'weak', modulusLength: 1024 }
 * const key = await generateSigningKey('RS256', options)
 * ```
 */
export interface GenerateSigningKeyOptions {
  /** Key id; default: the RFC 7638 thumbprint. */
  kid?: string
  /** RSA modulus in bits (RS and PS only), default 2048. 1024 makes a deliberately weak key. */
  modulusLength?: number
}

/**
 * Generates a fresh key pair for `alg` (RS/PS: RSA, ES256/384/512: P-256/P-384/P-521,
 * EdDSA: Ed25519).
 *
 * @param alg - the JWS algorithm the key is for; recorded in `publicJwk.alg`.
 * @param options - `kid` and, for RSA, `modulusLength`.
 * @returns the key pair; the issuer publishes only `publicJwk`.
 * @example
 * ```ts
 * import { createIssuer, generateSigningKey } from '@portcullis/testing'
 * const issuer = await createIssuer()
 * const rogue = await generateSigningKey('RS256', { kid: issuer.keys[0]!.kid }) // same kid, other key
 * const forged = await issuer.mint({}, { key: rogue })
 * ```
 */
export async function generateSigningKey(
  alg: SigningAlgorithm,
  options: GenerateSigningKeyOptions = {},
): Promise<IssuerKey> {
  assertSigningAlgorithm(alg, 'alg')
  const { publicKey, privateKey } = await keyPair(alg, options.modulusLength)
  const exported = publicKey.export({ format: 'jwk' }) as JWK
  const kid = options.kid ?? sha256Thumbprint(exported as Readonly<Record<string, unknown>>)
  if (typeof kid !== 'string' || kid === '') throw new TypeError('kid must be a non-empty string')
  const publicJwk = Object.freeze({ ...exported, kid, alg, use: 'sig' })
  return Object.freeze({ kid, alg, privateKey, publicJwk })
}

interface KeyPair {
  publicKey: KeyObject
  privateKey: KeyObject
}

function keyPair(alg: SigningAlgorithm, modulusLength: number | undefined): Promise<KeyPair> {
  const rsa = alg.startsWith('RS') || alg.startsWith('PS')
  if (modulusLength !== undefined && !rsa) {
    throw new TypeError(`modulusLength only applies to RSA algorithms, not ${alg}`)
  }
  return new Promise<KeyPair>((resolve, reject) => {
    const done = (err: Error | null, publicKey: KeyObject, privateKey: KeyObject): void => {
      if (err) reject(err)
      else resolve({ publicKey, privateKey })
    }
    // Plain 'rsa' keys also sign PS*: node's 'rsa-pss' keys cannot be exported as JWK.
    if (rsa) generateKeyPair('rsa', { modulusLength: modulusLength ?? 2048 }, done)
    else if (alg === 'EdDSA') generateKeyPair('ed25519', {}, done)
    else generateKeyPair('ec', { namedCurve: CURVE[alg as 'ES256' | 'ES384' | 'ES512'] }, done)
  })
}

const CURVE = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' } as const
