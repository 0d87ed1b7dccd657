/**
 * The key the gateway signs upstream tokens with: a PEM private key file, or a key pair
 * generated at start (ephemeral: every start and every change of the section publishes a new
 * key, which upstreams pick up through the JWKS on the unknown `kid`).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { calculateJwkThumbprint, type JWK } from 'jose'
import type { UpstreamTokenAlgorithm } from '../config/config.js'

/** A loaded signing key, and the public keys the JWKS publishes. */
export interface SigningKey {
  readonly algorithm: UpstreamTokenAlgorithm
  readonly privateKey: KeyObject
  /** RFC 7638 thumbprint of the public key. */
  readonly kid: string
  /** The signing key's public JWK first, then the published (previous) keys. */
  readonly jwks: { readonly keys: readonly JWK[] }
}

/** Why a key cannot be used, for the configuration error of its field. */
export class KeyFieldError extends Error {
  constructor(readonly field: 'key' | 'publishedKeys', readonly index: number | undefined, message: string) {
    super(message)
  }
}

function fits(key: KeyObject, algorithm: UpstreamTokenAlgorithm): string | undefined {
  const type = key.asymmetricKeyType
  if (algorithm === 'ES256') return type === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? undefined : 'ES256 needs an EC P-256 key'
  if (algorithm === 'EdDSA') return type === 'ed25519' ? undefined : 'EdDSA needs an Ed25519 key'
  if (type !== 'rsa') return 'RS256 needs an RSA key'
  return (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048 ? undefined : 'RS256 needs an RSA key of at least 2048 bits'
}

function generate(algorithm: UpstreamTokenAlgorithm): KeyObject {
  if (algorithm === 'ES256') return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
  if (algorithm === 'EdDSA') return generateKeyPairSync('ed25519').privateKey
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
}

async function publicJwk(key: KeyObject, algorithm: UpstreamTokenAlgorithm): Promise<JWK> {
  const jwk = (key.type === 'public' ? key : createPublicKey(key)).export({ format: 'jwk' }) as JWK
  const kid = await calculateJwkThumbprint(jwk, 'sha256')
  return { ...jwk, kid, alg: algorithm, use: 'sig' }
}

async function readPem(file: string): Promise<string> {
  const text = await readFile(file, 'utf8')
  if (text.length > 64 * 1024) throw new Error('is larger than 64 KiB')
  return text
}

/**
 * Loads (or generates) the signing key and the published keys. Files are resolved by the
 * caller. Throws a {@link KeyFieldError} naming the field of an unusable file.
 */
export async function loadSigningKey(algorithm: UpstreamTokenAlgorithm, file: string | undefined, published: readonly string[]): Promise<SigningKey> {
  let privateKey: KeyObject
  if (file === undefined) privateKey = generate(algorithm)
  else {
    try {
      privateKey = createPrivateKey(await readPem(file))
    } catch (error) {
      throw new KeyFieldError('key', undefined, `${file}: not a readable PEM private key (${(error as Error).message})`)
    }
    const misfit = fits(privateKey, algorithm)
    if (misfit !== undefined) throw new KeyFieldError('key', undefined, `${file}: ${misfit} (algorithm ${algorithm})`)
  }
  const own = await publicJwk(privateKey, algorithm)
  const keys: JWK[] = [own]
  for (const [index, other] of published.entries()) {
    let key: KeyObject
    try {
      // A public key, or the private key it belongs to (only its public half is published).
      key = createPublicKey(await readPem(other))
    } catch (error) {
      throw new KeyFieldError('publishedKeys', index, `${other}: not a readable PEM key (${(error as Error).message})`)
    }
    const misfit = fits(key, algorithm)
    if (misfit !== undefined) throw new KeyFieldError('publishedKeys', index, `${other}: ${misfit}`)
    const jwk = await publicJwk(key, algorithm)
    if (!keys.some((k) => k.kid === jwk.kid)) keys.push(jwk)
  }
  return { algorithm, privateKey, kid: own.kid as string, jwks: { keys } }
}
