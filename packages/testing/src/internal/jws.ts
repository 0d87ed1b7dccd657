import { constants, createHmac, createPublicKey, sign } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import type { RawSigningAlgorithm } from '../algorithms.js'

/*
 * Compact JWS serialisation done with node:crypto rather than jose's SignJWT: a test issuer must
 * also produce what jose rightly refuses to sign (unknown `crit`, a header `alg` that lies, a
 * 1024-bit RSA key). Verification in our tests is always jose, which proves interoperability.
 */

const DIGEST: Record<Exclude<RawSigningAlgorithm, 'none' | 'EdDSA'>, string> = {
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  PS256: 'sha256',
  PS384: 'sha384',
  PS512: 'sha512',
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
  HS256: 'sha256',
  HS384: 'sha384',
  HS512: 'sha512',
}

/** One base64url segment: strings and bytes are taken verbatim, anything else is JSON. */
export function encodeSegment(value: unknown, what: string): string {
  if (typeof value === 'string') return Buffer.from(value, 'utf8').toString('base64url')
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64url')
  const json = JSON.stringify(value)
  if (json === undefined) throw new TypeError(`${what} is not JSON-serialisable`)
  return Buffer.from(json, 'utf8').toString('base64url')
}

/** The signature bytes of `signingInput` with `alg`. */
export function signature(
  alg: RawSigningAlgorithm,
  signingInput: string,
  privateKey: KeyObject,
  secret?: Uint8Array | string,
): Buffer {
  const data = Buffer.from(signingInput, 'ascii')
  switch (alg) {
    case 'none':
      return Buffer.alloc(0)
    case 'EdDSA':
      return sign(null, data, privateKey)
    case 'HS256':
    case 'HS384':
    case 'HS512':
      // Without a secret, use the public key's PEM: the classic RS256 -> HS256 confusion attack.
      return createHmac(DIGEST[alg], secret ?? publicPem(privateKey)).update(data).digest()
    case 'PS256':
    case 'PS384':
    case 'PS512':
      return sign(DIGEST[alg], data, {
        key: privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      })
    case 'ES256':
    case 'ES384':
    case 'ES512':
      // JWS wants the raw r||s form (RFC 7518 section 3.4), not node's default DER.
      return sign(DIGEST[alg], data, { key: privateKey, dsaEncoding: 'ieee-p1363' })
    default:
      return sign(DIGEST[alg], data, privateKey)
  }
}

/** Header + payload + signature, joined as a compact JWS. */
export function compactJws(
  header: unknown,
  payload: unknown,
  alg: RawSigningAlgorithm,
  privateKey: KeyObject,
  secret?: Uint8Array | string,
): string {
  const signingInput = `${encodeSegment(header, 'header')}.${encodeSegment(payload, 'payload')}`
  return `${signingInput}.${signature(alg, signingInput, privateKey, secret).toString('base64url')}`
}

function publicPem(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString()
}
