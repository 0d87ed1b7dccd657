import { constants, createPublicKey, verify } from 'node:crypto'
import type { JsonWebKey } from 'node:crypto'

const DIGEST: Readonly<Record<string, string | null>> = {
  RS256: 'sha256',
  RS384: 'sha384',
  RS512: 'sha512',
  PS256: 'sha256',
  PS384: 'sha384',
  PS512: 'sha512',
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
  EdDSA: null,
}

/** What {@link verifyIssuerJwt} checks besides the signature. */
export interface IssuerJwtExpectations {
  readonly issuer: string
  readonly nowSeconds: number
}

function decodeJson(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/**
 * The payload of a compact JWS signed by one of `keys` (matched by `kid` and `alg`) whose `iss`
 * is the issuer and which is within `nbf`/`exp`; `undefined` for anything else. Only for the
 * local issuer's own token endpoint (a subject token it minted itself): node:crypto instead of
 * jose so that the CommonJS build of this package needs no ESM-only dependency at run time.
 */
export function verifyIssuerJwt(token: string, keys: readonly JsonWebKey[], expected: IssuerJwtExpectations): Record<string, unknown> | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string]
  const header = decodeJson(headerPart)
  const payload = decodeJson(payloadPart)
  if (header === undefined || payload === undefined || header['crit'] !== undefined) return undefined
  const alg = header['alg']
  if (typeof alg !== 'string' || !Object.hasOwn(DIGEST, alg)) return undefined
  const jwk = keys.find((key) => key.kid === header['kid'] && (key.alg === undefined || key.alg === alg))
  if (jwk === undefined) return undefined
  try {
    const key = createPublicKey({ key: jwk, format: 'jwk' })
    const data = Buffer.from(`${headerPart}.${payloadPart}`, 'ascii')
    const sig = Buffer.from(signaturePart, 'base64url')
    const options = alg.startsWith('PS')
      ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
      : alg.startsWith('ES')
        ? { key, dsaEncoding: 'ieee-p1363' as const }
        : key
    if (!verify(DIGEST[alg] ?? null, data, options, sig)) return undefined
  } catch {
    return undefined
  }
  if (payload['iss'] !== expected.issuer) return undefined
  const { exp, nbf } = payload
  if (exp !== undefined && (typeof exp !== 'number' || exp <= expected.nowSeconds)) return undefined
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > expected.nowSeconds)) return undefined
  return payload
}
