import { createHash } from 'node:crypto'

// The required members of each key type, in the lexicographic order RFC 7638 §3.2 hashes them.
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
  oct: ['k', 'kty'],
}

/**
 * The RFC 7638 SHA-256 thumbprint of a JWK, base64url. Done with node:crypto rather than jose so
 * that the CommonJS build of this package loads where jose (ESM only) cannot be required.
 */
export function sha256Thumbprint(jwk: Readonly<Record<string, unknown>>): string {
  const kty = jwk['kty']
  const members = typeof kty === 'string' ? REQUIRED[kty] : undefined
  if (members === undefined) throw new TypeError(`cannot compute the thumbprint of a JWK with kty ${JSON.stringify(kty)}`)
  const canonical: Record<string, string> = {}
  for (const member of members) {
    const value = jwk[member]
    if (typeof value !== 'string') throw new TypeError(`JWK member ${member} must be a string`)
    canonical[member] = value
  }
  return createHash('sha256').update(JSON.stringify(canonical), 'utf8').digest('base64url')
}
