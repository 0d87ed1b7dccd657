import { hash } from 'node:crypto'

// Group orders n of the NIST curves (FIPS 186-5 / SEC 2), keyed by the JWS raw signature length
// r||s (RFC 7518 §3.4), with the `alg` that uses them.
const CURVES: ReadonlyMap<number, { readonly alg: string; readonly n: bigint }> = new Map([
  [64, { alg: 'ES256', n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n }],
  [96, { alg: 'ES384', n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n }],
  [132, {
    alg: 'ES512',
    n: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
  }],
])
// base64url length of those signatures (no padding): only these can need normalising.
const SIGNATURE_CHARS = new Set([86, 128, 176])

function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`)
}

function bigIntToBytes(value: bigint, length: number): Buffer {
  return Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex')
}

function headerAlg(segment: string): unknown {
  try {
    const header: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
    return typeof header === 'object' && header !== null ? (header as { alg?: unknown }).alg : undefined
  } catch {
    return undefined
  }
}

/**
 * The one spelling of `token` that its malleable twin shares. An ECDSA signature (r, s) has a
 * twin (r, n − s) that verifies just as well (SEC 1 §4.1.4: negating s negates the point R,
 * whose x coordinate is unchanged), so one signed ES256/384/512 token has two valid strings.
 * Issuers emit both forms (Go's crypto/ecdsa, Java, many HSMs do not normalise), so high-S is
 * not refused; instead its identity is taken from the low-S form. Everything else is returned
 * as it is: opaque tokens, other algorithms (RSA and HMAC signatures are not malleable this
 * way, and OpenSSL refuses Ed25519 signatures with S ≥ L), and any spelling that full
 * verification would refuse (a non-canonical base64url signature, an out-of-range s), so a
 * twin is only ever merged with a token that is valid exactly when it is.
 */
function canonicalToken(token: string): string {
  const lastDot = token.lastIndexOf('.')
  const firstDot = token.indexOf('.')
  if (firstDot <= 0 || lastDot === firstDot || !SIGNATURE_CHARS.has(token.length - lastDot - 1)) return token
  const segment = token.slice(lastDot + 1)
  const signature = Buffer.from(segment, 'base64url')
  const curve = CURVES.get(signature.length)
  if (curve === undefined || signature.toString('base64url') !== segment) return token
  if (headerAlg(token.slice(0, firstDot)) !== curve.alg) return token
  const half = signature.length / 2
  const s = bytesToBigInt(signature.subarray(half))
  // Only 0 < s < n verifies; s ≤ n/2 is already the low form.
  if (s <= curve.n >> 1n || s >= curve.n) return token
  const low = Buffer.concat([signature.subarray(0, half), bigIntToBytes(curve.n - s, half)])
  return `${token.slice(0, lastDot + 1)}${low.toString('base64url')}`
}

/**
 * The identity of a token: SHA-256 of its canonical form ({@link canonicalToken}), base64url.
 * Revocation by token value, the verified-token and introspection cache keys and the audit
 * fingerprint all derive from it, so both spellings of an ECDSA-signed token are one token.
 * For opaque tokens and every non-ECDSA JWT it is the SHA-256 of the token string itself.
 *
 * @example
 * ```ts
 * import { tokenDigest } from '@portcullis/core'
 * await store.check({ issuer, tokenHash: tokenDigest(token) })
 * ```
 */
export function tokenDigest(token: string): string {
  // The one-shot hash: no Hash object per request (it showed in CPU profiles of the hit path).
  return hash('sha256', canonicalToken(token), 'base64url')
}

/**
 * How tokens are keyed in revocation stores (`RevocationQuery.tokenHash`): the same function as
 * {@link tokenDigest}, under the name revocation stores have always used.
 */
export const revocationTokenHash: (token: string) => string = tokenDigest
