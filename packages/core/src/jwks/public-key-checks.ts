import type { KeyObject } from 'node:crypto'

/**
 * Validation of the public parameters of a verification key, so that no key under which a
 * "signature" can be made without a private key is ever used (Project Wycheproof's rules for
 * verifiers: refuse degenerate RSA exponents and moduli, EC points that are not on their curve
 * or out of range, small-order EdDSA keys). node:crypto imports the key and verifies; this
 * only checks numbers and encodings, it implements no primitive.
 */

// Field primes of the NIST curves (FIPS 186-4 §D.1.2) and their coordinate sizes in bytes.
const EC_FIELDS: Readonly<Record<string, { readonly p: bigint; readonly bytes: number }>> = {
  'P-256': { p: 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n, bytes: 32 },
  'P-384': { p: 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n, bytes: 48 },
  'P-521': { p: 2n ** 521n - 1n, bytes: 66 },
}

const ED25519_P = 2n ** 255n - 19n
const ED448_P = 2n ** 448n - 2n ** 224n - 1n
// The y-coordinates of the 8 points of small order of edwards25519 (RFC 8032 §5.1): the
// identity (y = 1), the point of order 2 (y = -1), those of order 4 (y = 0) and of order 8
// (y = ±Y8). Each y is shared by a point and its negation, both of small order, so refusing
// by y (whatever the sign bit) refuses every encoding of them, canonical or not.
const Y8 = 0x7a03ac9277fdc74ec6cc392cfa53202a0f67100d760b3cba4fd84d3d706a17c7n
const ED25519_SMALL_ORDER_Y = new Set([1n, ED25519_P - 1n, 0n, Y8, ED25519_P - Y8])
// edwards448 (RFC 8032 §5.2) has cofactor 4: its small-order points are (0, ±1) and (±1, 0).
const ED448_SMALL_ORDER_Y = new Set([1n, ED448_P - 1n, 0n])

function littleEndian(bytes: Uint8Array): bigint {
  let value = 0n
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i] as number)
  return value
}

function bigEndian(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`)
}

function decoded(value: unknown): Buffer | undefined {
  return typeof value === 'string' ? Buffer.from(value, 'base64url') : undefined
}

/**
 * RSA (RFC 8017 §3.1): the exponent must be odd and at least 3 (e = 1 makes any message its
 * own signature) and the modulus odd (a product of two odd primes). The modulus parity is
 * read from the SPKI DER node:crypto exports, whose last element is the exponent.
 */
function soundRsa(key: KeyObject): boolean {
  const e = key.asymmetricKeyDetails?.publicExponent
  if (typeof e !== 'bigint' || e < 3n || e % 2n === 0n) return false
  const der = key.export({ format: 'der', type: 'spki' })
  let hex = e.toString(16)
  if (hex.length % 2 === 1) hex = `0${hex}`
  const eBytes = Buffer.from(hex, 'hex')
  const eLength = eBytes.length + ((eBytes[0] as number) & 0x80 ? 1 : 0)
  if (eLength > 127) return false
  // ... INTEGER n, INTEGER e: 0x02, length, e; the byte before is the last byte of n.
  const eStart = der.length - eLength - 2
  if (der[eStart] !== 0x02 || der[eStart + 1] !== eLength) return false
  return ((der[eStart - 1] as number) & 1) === 1
}

/**
 * EC (SEC 1 §3.2.2.1, RFC 7518 §6.2.1.2): node:crypto already refuses points off the curve
 * and the point at infinity at import; coordinates must also be below the field prime and,
 * in a JWK, exactly the full size of a coordinate of the curve.
 */
function soundEc(key: KeyObject, jwk: Readonly<Record<string, unknown>> | undefined): boolean {
  const exported = key.export({ format: 'jwk' })
  const field = EC_FIELDS[exported.crv ?? '']
  if (field === undefined) return false
  if (jwk !== undefined) {
    if (jwk['crv'] !== exported.crv) return false
    if (decoded(jwk['x'])?.length !== field.bytes || decoded(jwk['y'])?.length !== field.bytes) return false
  }
  const x = decoded(exported.x)
  const y = decoded(exported.y)
  if (x === undefined || y === undefined || x.length !== field.bytes || y.length !== field.bytes) return false
  return bigEndian(x) < field.p && bigEndian(y) < field.p
}

/**
 * EdDSA (RFC 8032 §5.1.3, §5.2.3): the encoded y must be canonical (below p; for Ed448 the
 * unused bits of the last byte zero) and not the y of a small-order point, under which a
 * signature with a small-order R verifies for a share of all messages without any private key.
 */
function soundEdwards(key: KeyObject, type: 'ed25519' | 'ed448'): boolean {
  const x = decoded(key.export({ format: 'jwk' }).x)
  if (type === 'ed25519') {
    if (x === undefined || x.length !== 32) return false
    const y = littleEndian(x) & (2n ** 255n - 1n)
    return y < ED25519_P && !ED25519_SMALL_ORDER_Y.has(y)
  }
  if (x === undefined || x.length !== 57 || ((x[56] as number) & 0x7f) !== 0) return false
  const y = littleEndian(x.subarray(0, 56))
  return y < ED448_P && !ED448_SMALL_ORDER_Y.has(y)
}

/**
 * True when the public key `key` (imported by node:crypto, from `jwk` when given) has sound
 * public parameters; see the module comment. Keys of other types are not judged here.
 */
export function isSoundPublicKey(key: KeyObject, jwk?: Readonly<Record<string, unknown>>): boolean {
  try {
    switch (key.asymmetricKeyType) {
      case 'rsa':
      case 'rsa-pss':
        return soundRsa(key)
      case 'ec':
        return soundEc(key, jwk)
      case 'ed25519':
      case 'ed448':
        return soundEdwards(key, key.asymmetricKeyType)
      default:
        return true
    }
  } catch {
    // An export node:crypto cannot do is a key we cannot vouch for.
    return false
  }
}
