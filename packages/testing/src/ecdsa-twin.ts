// Orders n of the curves of ES256, ES384 and ES512 (SEC 2 §2.4.2, §2.5.1, §2.6.1), by the
// length in bytes of a JWS raw signature r||s.
const ORDERS: Readonly<Record<number, bigint>> = {
  64: BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551'),
  96: BigInt('0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973'),
  132: BigInt(
    '0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409',
  ),
}

/**
 * The malleable twin of an ES256/ES384/ES512 token: the same header and payload with the
 * signature (r, s) replaced by (r, n − s), which verifies just as well. For tests that one
 * token's two spellings are one token (revocation by value, caches, audit fingerprints).
 *
 * @param token - a compact JWS signed with ES256, ES384 or ES512.
 * @returns the twin token (a low-S signature becomes high-S and the reverse).
 * @example
 * ```ts
 * import { createIssuer, ecdsaTwin } from '@portcullis/testing'
 * const issuer = await createIssuer({ algorithms: ['ES256'] })
 * const token = await issuer.mint({ sub: 'alice' })
 * const twin = ecdsaTwin(token) // a different string, just as valid
 * ```
 */
export function ecdsaTwin(token: string): string {
  const dot = token.lastIndexOf('.')
  const signature = Buffer.from(token.slice(dot + 1), 'base64url')
  const n = ORDERS[signature.length]
  if (dot < 0 || n === undefined) throw new TypeError('ecdsaTwin needs a token signed with ES256, ES384 or ES512')
  const half = signature.length / 2
  const s = BigInt(`0x${signature.subarray(half).toString('hex')}`)
  const twinS = Buffer.from((n - s).toString(16).padStart(half * 2, '0'), 'hex')
  return `${token.slice(0, dot + 1)}${Buffer.concat([signature.subarray(0, half), twinS]).toString('base64url')}`
}
