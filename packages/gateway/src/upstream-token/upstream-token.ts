/**
 * Token translation: for an allowed request with an identity, a short-lived token the gateway
 * signs for the upstream, so that the upstream verifies one local issuer (the gateway's JWKS)
 * instead of every external one. It carries the verified identity (`sub`, `client_id`,
 * `scope`, the delegation claims `act` / `may_act` of RFC 8693 §4.1 and §4.4, and the claims
 * the file selects), the upstream's audience, and never outlives the external token. It is a
 * JWT access token in the RFC 9068 shape (`typ: at+jwt`, `iss`, `aud`, `exp`, `iat`, `jti`,
 * `client_id`).
 */
import { randomUUID } from 'node:crypto'
import { TtlCache, tokenDigest, type Identity, type PortcullisRequest } from '@portcullis/core'
import { SignJWT } from 'jose'
import type { SigningKey } from './signing-key.js'

/** Tokens kept for reuse at most (one per external token and audience). */
const MAX_CACHED = 10_000

/** Settings of a minter, from the validated `upstreamToken` section. */
export interface UpstreamTokenSettings {
  readonly issuer: string
  readonly lifetime: number
  readonly claims: readonly string[]
  readonly key: SigningKey
  readonly clock: () => number
}

/** Mints (or reuses) the upstream token of a request. */
export interface UpstreamTokenMinter {
  readonly key: SigningKey
  mint(identity: Identity, request: PortcullisRequest, audience: string): Promise<string>
}

/** The credentials of the Authorization header (the external token), for the cache key. */
function presented(request: PortcullisRequest): string {
  const header = request.headers['authorization']
  const value = typeof header === 'string' ? header : ''
  return value.slice(value.indexOf(' ') + 1)
}

/**
 * Creates the minter. Signing is the costly step (an ECDSA or RSA signature per token), so a
 * token is reused for the same external token and audience until a quarter of its lifetime
 * (at least 5 s) is left, in a bounded cache.
 *
 * @example
 * ```ts
 * const minter = createUpstreamTokenMinter({ issuer, lifetime: 60, claims: ['email'], key, clock: Date.now })
 * ```
 */
export function createUpstreamTokenMinter(settings: UpstreamTokenSettings): UpstreamTokenMinter {
  const { issuer, lifetime, claims, key, clock } = settings
  const cache = new TtlCache<Promise<string>>({ maxEntries: MAX_CACHED }, clock)
  const margin = Math.max(5, Math.floor(lifetime / 4))

  async function sign(identity: Identity, audience: string, now: number, exp: number): Promise<string> {
    const source = identity.claims as Record<string, unknown>
    const payload: Record<string, unknown> = {}
    for (const name of claims) if (source[name] !== undefined) payload[name] = source[name]
    if (identity.clientId !== undefined) payload['client_id'] = identity.clientId
    if (identity.scopes.length > 0) payload['scope'] = identity.scopes.join(' ')
    for (const name of ['act', 'may_act']) if (source[name] !== undefined) payload[name] = source[name]
    const jwt = new SignJWT(payload)
      .setProtectedHeader({ alg: key.algorithm, kid: key.kid, typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .setJti(randomUUID())
    if (identity.subject !== undefined) jwt.setSubject(identity.subject)
    return jwt.sign(key.privateKey)
  }

  return {
    key,
    mint(identity, request, audience) {
      const cacheKey = `${tokenDigest(presented(request))}\n${audience}`
      const cached = cache.get(cacheKey)
      if (cached !== undefined) return cached
      const now = Math.floor(clock() / 1000)
      // Never valid longer than the token it translates.
      const external = identity.expiresAt === undefined ? Infinity : Math.floor(identity.expiresAt.getTime() / 1000)
      const exp = Math.min(now + lifetime, external)
      const pending = sign(identity, audience, now, exp)
      // Reused while enough of its life is left for the upstream to accept it.
      if (exp - margin > now) cache.set(cacheKey, pending, (exp - margin) * 1000)
      pending.catch(() => cache.delete(cacheKey))
      return pending
    },
  }
}
