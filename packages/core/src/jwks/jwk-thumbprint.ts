import { createHash, type KeyObject } from 'node:crypto'

// RFC 7638 §3.2: the required members of each key type, in lexicographic order.
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
}

/**
 * RFC 7638 JWK thumbprint (SHA-256, base64url) of a public key, computed from the members
 * node:crypto exports for the imported key, so the hashed JSON is canonical whatever the
 * publisher or client wrote.
 */
export function jwkThumbprintOf(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' }) as Record<string, unknown>
  const members = THUMBPRINT_MEMBERS[jwk['kty'] as string] ?? []
  const canonical: Record<string, unknown> = {}
  for (const name of members) canonical[name] = jwk[name]
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url')
}
