import { hash } from 'node:crypto'

// Group orders n of the NIST curves (FIPS 186-5 / SEC 2), keyed by the JWS raw signature length
// r||s (RFC 7518 §3.4), with the `alg` that uses them.
const ORDERS: ReadonlyArray<readonly [number, string, bigint]> = [
  [64, 'ES256', 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n],
  [96, 'ES384', 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n],
  [132, 'ES512', 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n],
]

interface Curve {
  readonly alg: string
  /** n and floor(n / 2), big-endian on the length of s: compared as bytes on the hot path. */
  readonly order: Buffer
  readonly halfOrder: Buffer
  /** Their first 16 bits: most signatures are told apart by these alone, without decoding. */
  readonly orderTop: number
  readonly halfOrderTop: number
}

function toBytes(value: bigint, length: number): Buffer {
  return Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex')
}

const CURVES: ReadonlyMap<number, Curve> = new Map(
  ORDERS.map(([length, alg, n]) => {
    const order = toBytes(n, length / 2)
    const halfOrder = toBytes(n >> 1n, length / 2)
    return [length, { alg, order, halfOrder, orderTop: order.readUInt16BE(0), halfOrderTop: halfOrder.readUInt16BE(0) }]
  }),
)
// Raw signature length by its base64url length (no padding): only these can need normalising.
const SIGNATURE_BYTES: ReadonlyMap<number, number> = new Map([[86, 64], [128, 96], [176, 132]])

// base64url alphabet values by character code; -1 for anything else.
const BASE64URL = new Int8Array(128).fill(-1)
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].entries()) BASE64URL[c.charCodeAt(0)] = i

/**
 * The 16 bits at bit `offset` of the base64url text that starts at `start` in `text`, or -1 for a
 * character outside the alphabet. Reads three or four characters: no buffer is decoded.
 */
function sixteenBitsAt(text: string, start: number, offset: number): number {
  let char = start + Math.floor(offset / 6)
  const skip = offset % 6
  let value = 0
  let bits = 0
  while (bits < skip + 16) {
    const code = text.charCodeAt(char++)
    const digit = code < 128 ? (BASE64URL[code] as number) : -1
    if (digit < 0) return -1
    value = value * 64 + digit
    bits += 6
  }
  return Math.floor(value / 2 ** (bits - skip - 16)) % 65536
}

// An issuer's tokens share a few header spellings: their `alg` is remembered, in a map that is
// emptied when full so that made-up headers cannot grow it.
const HEADER_ALGS = new Map<string, unknown>()
const MAX_HEADERS = 64

function headerAlg(segment: string): unknown {
  if (HEADER_ALGS.has(segment)) return HEADER_ALGS.get(segment)
  let alg: unknown
  try {
    const header: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
    alg = typeof header === 'object' && header !== null ? (header as { alg?: unknown }).alg : undefined
  } catch {
    alg = undefined
  }
  if (HEADER_ALGS.size >= MAX_HEADERS) HEADER_ALGS.clear()
  HEADER_ALGS.set(segment, alg)
  return alg
}

/** `order - s` for big-endian numbers of one length with s < order: schoolbook subtraction. */
function subtract(order: Buffer, s: Buffer): Buffer {
  const out = Buffer.allocUnsafe(s.length)
  let borrow = 0
  for (let i = s.length - 1; i >= 0; i--) {
    const digit = (order[i] as number) - (s[i] as number) - borrow
    borrow = digit < 0 ? 1 : 0
    out[i] = digit + 256 * borrow
  }
  return out
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
  const length = lastDot === -1 ? undefined : SIGNATURE_BYTES.get(token.length - lastDot - 1)
  if (length === undefined) return token
  // The first 16 bits of s settle most tokens without decoding the signature: below those of
  // n/2 it is low-S (canonical); at or above those of n it is out of range (refused by full
  // verification). Only the rest go on to the exact comparison below.
  const top = sixteenBitsAt(token, lastDot + 1, (length / 2) * 8)
  const quick = CURVES.get(length) as Curve
  if (top === -1 || top < quick.halfOrderTop || top > quick.orderTop) return token
  const segment = token.slice(lastDot + 1)
  const signature = Buffer.from(segment, 'base64url')
  const curve = CURVES.get(signature.length)
  if (curve === undefined) return token
  const half = signature.length / 2
  const s = signature.subarray(half)
  // Only n/2 < s < n has a low twin (0 < s < n verifies); a low s is already canonical. The
  // checks below run only for a token that is rewritten, never on the common low-S path.
  if (s.compare(curve.halfOrder) <= 0 || s.compare(curve.order) >= 0) return token
  const firstDot = token.indexOf('.')
  if (firstDot <= 0 || firstDot === lastDot || signature.toString('base64url') !== segment) return token
  if (headerAlg(token.slice(0, firstDot)) !== curve.alg) return token
  return `${token.slice(0, lastDot + 1)}${Buffer.concat([signature.subarray(0, half), subtract(curve.order, s)]).toString('base64url')}`
}

/**
 * The identity of a token: SHA-256 of its canonical form, base64url.
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
 *
 * @example
 * ```ts
 * import { revocationTokenHash } from '@portcullis/core'
 * await redis.set(`revoked:${revocationTokenHash(token)}`, '1', { EX: 3600 })
 * ```
 */
export const revocationTokenHash: (token: string) => string = tokenDigest
