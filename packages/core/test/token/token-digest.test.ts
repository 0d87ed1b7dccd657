import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash, createPublicKey } from 'node:crypto'
import fc from 'fast-check'
import { compactVerify } from 'jose'
import {
  createAuthenticator,
  createRevocationStore,
  revocationTokenHash,
  tokenDigest,
  type AuditEvent,
  type FetchLike,
  type RequireTokenOptions,
} from '@portcullis/core'
import { createIssuer, ecdsaTwin, type LocalIssuer } from '@portcullis/testing'
import { bearer, rejection } from '../helpers.js'

const NOW = Date.UTC(2030, 0, 15, 12, 0, 0)
const ORDER_P256 = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551')

const sha256 = (text: string): string => createHash('sha256').update(text).digest('base64url')
const sValue = (token: string): bigint => BigInt(`0x${Buffer.from(token.split('.')[2] as string, 'base64url').subarray(32).toString('hex')}`)

describe('one token identity: both spellings of an ECDSA-signed token are one token', () => {
  let issuer: LocalIssuer

  beforeAll(async () => {
    issuer = await createIssuer({ algorithms: ['ES256', 'ES384', 'ES512', 'RS256', 'EdDSA'], clock: () => NOW })
  })
  afterAll(() => issuer.close())

  function options(overrides: Partial<RequireTokenOptions> = {}): RequireTokenOptions {
    return { issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri, clock: () => NOW, ...overrides }
  }

  it('the twin (r, n - s) is a different string that jose and Portcullis both accept', async () => {
    const token = await issuer.mint({ sub: 'alice' }, { alg: 'ES256', omit: ['jti'] })
    const twin = ecdsaTwin(token)
    expect(twin).not.toBe(token)
    expect(sValue(token) + sValue(twin)).toBe(ORDER_P256)
    const key = createPublicKey({ key: issuer.keys.find((k) => k.alg === 'ES256')!.publicJwk as never, format: 'jwk' })
    await expect(compactVerify(token, key)).resolves.toBeDefined()
    await expect(compactVerify(twin, key)).resolves.toBeDefined()
    const auth = createAuthenticator(options({ cache: false }))
    expect((await auth.authenticate(bearer(twin)))?.identity.subject).toBe('alice')
    // One identity: the digest of both spellings is the same, and it is revocationTokenHash.
    expect(tokenDigest(twin)).toBe(tokenDigest(token))
    expect(revocationTokenHash).toBe(tokenDigest)
  })

  it('revoking the original by token value refuses its twin (and the reverse)', async () => {
    for (const revokeTwin of [false, true]) {
      const store = createRevocationStore({ clock: () => NOW })
      const auth = createAuthenticator(options({ revocation: { store } }))
      const token = await issuer.mint({ sub: 'mallory' }, { alg: 'ES256', omit: ['jti'] })
      const twin = ecdsaTwin(token)
      await store.revokeToken({ token: revokeTwin ? twin : token })
      for (const spelling of [token, twin]) {
        const error = await rejection(() => auth.authenticate(bearer(spelling)))
        expect([error.status, error.code, error.reason]).toEqual([401, 'invalid_token', 'revoked'])
      }
    }
  })

  it('the twin hits the verified-token cache entry of the original, and deletes it', async () => {
    const auth = createAuthenticator(options({ cache: { admission: 'first-use' } }))
    const token = await issuer.mint({}, { alg: 'ES384' })
    await auth.authenticate(bearer(token))
    await auth.authenticate(bearer(ecdsaTwin(token)))
    expect(auth.cache.size).toBe(1)
    expect(auth.cache.delete(ecdsaTwin(token))).toBe(true)
    expect(auth.cache.size).toBe(0)
  })

  it('the twin has the audit fingerprint of the original', async () => {
    const events: AuditEvent[] = []
    const auth = createAuthenticator(options({ audit: (event) => void events.push(event), cache: false }))
    const token = await issuer.mint({}, { alg: 'ES512' })
    await auth.authenticate(bearer(token))
    await auth.authenticate(bearer(ecdsaTwin(token)))
    expect(events.map((event) => event.event)).toEqual(['authn_login_success', 'authn_login_success'])
    expect(events[0]?.token_fingerprint).toMatch(/^[0-9a-f]{16}$/)
    expect(events[1]?.token_fingerprint).toBe(events[0]?.token_fingerprint)
  })

  it('the twin hits the introspection cache entry of the original (mode all)', async () => {
    issuer.resetStats()
    const auth = createAuthenticator(options({ introspection: { endpoint: issuer.introspectionEndpoint, ...issuer.introspectionClient, mode: 'all' } }))
    const token = await issuer.mint({}, { alg: 'ES256' })
    // The local issuer knows only its opaque tokens: the JWT is inactive, and that is cached.
    expect((await rejection(() => auth.authenticate(bearer(token)))).code).toBe('invalid_token')
    expect((await rejection(() => auth.authenticate(bearer(ecdsaTwin(token))))).code).toBe('invalid_token')
    expect(issuer.stats.introspection).toBe(1)
  })

  it('every ES256/384/512 token and its twin share one digest; other tokens hash as their string (property)', async () => {
    const tokens = await Promise.all(
      (['ES256', 'ES384', 'ES512', 'RS256', 'EdDSA'] as const).flatMap((alg) =>
        Array.from({ length: 8 }, (_, i) => issuer.mint({ sub: `user-${i}` }, { alg }).then((token) => ({ alg, token })))),
    )
    for (const { alg, token } of tokens) {
      if (alg.startsWith('ES')) {
        expect(tokenDigest(ecdsaTwin(token))).toBe(tokenDigest(token))
        // The low-S spelling is the canonical one: its digest is the SHA-256 of its string.
        if (alg === 'ES256') {
          const [low, high] = sValue(token) <= ORDER_P256 / 2n ? [token, ecdsaTwin(token)] : [ecdsaTwin(token), token]
          expect(tokenDigest(low)).toBe(sha256(low))
          expect(tokenDigest(high)).not.toBe(sha256(high))
        }
      } else {
        expect(tokenDigest(token)).toBe(sha256(token))
      }
    }
    fc.assert(fc.property(fc.string(), (opaque) => tokenDigest(opaque) === sha256(opaque)))
  })

  it('a signature and its twin always share one digest, for any r and 0 < s < n (property)', () => {
    const header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'at+jwt' })).toString('base64url')
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (bytes) => {
        const s = BigInt(`0x${Buffer.from(bytes.subarray(32)).toString('hex')}`)
        fc.pre(s > 0n && s < ORDER_P256)
        const token = `${header}.eyJzdWIiOiJ4In0.${Buffer.from(bytes).toString('base64url')}`
        const twin = ecdsaTwin(token)
        expect(tokenDigest(twin)).toBe(tokenDigest(token))
        // Exactly one of the two spellings is canonical: the one with s <= n/2.
        expect(tokenDigest(s <= ORDER_P256 / 2n ? token : twin)).toBe(sha256(s <= ORDER_P256 / 2n ? token : twin))
      }),
      { numRuns: 500 },
    )
  })

  it('s next to n/2 and next to n: the twin shares the digest exactly when 0 < s < n (property)', () => {
    const header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'at+jwt' })).toString('base64url')
    const half = ORDER_P256 / 2n
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.constantFrom(half, ORDER_P256),
        fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n }),
        (r, around, delta) => {
          const s = around + delta
          fc.pre(s > 0n && s < 2n ** 256n)
          const bytes = Buffer.concat([Buffer.from(r), Buffer.from(s.toString(16).padStart(64, '0'), 'hex')])
          const token = `${header}.eyJzdWIiOiJ4In0.${bytes.toString('base64url')}`
          if (s >= ORDER_P256) {
            // Out of range: never valid, hashed as it is.
            expect(tokenDigest(token)).toBe(sha256(token))
            return
          }
          const twin = ecdsaTwin(token)
          expect(tokenDigest(twin)).toBe(tokenDigest(token))
          expect(tokenDigest(s <= half ? token : twin)).toBe(sha256(s <= half ? token : twin))
        },
      ),
      { numRuns: 1000 },
    )
  })

  it('never merges a spelling that verification refuses: non-canonical base64url, s >= n, another alg', async () => {
    const token = await issuer.mint({}, { alg: 'ES256' })
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const bytes = Buffer.from(signature, 'base64url')
    // s = n: out of range, never valid, hashed as it is.
    const sIsN = Buffer.concat([bytes.subarray(0, 32), Buffer.from(ORDER_P256.toString(16), 'hex')]).toString('base64url')
    expect(tokenDigest(`${header}.${payload}.${sIsN}`)).toBe(sha256(`${header}.${payload}.${sIsN}`))
    // s = n - 1 (high): a different token from s = 1 only if the signature is not canonical base64url.
    const last = signature.at(-1) as string
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const sloppy = `${signature.slice(0, -1)}${alphabet[alphabet.indexOf(last) ^ 1]}`
    if (Buffer.from(sloppy, 'base64url').equals(bytes)) {
      expect(tokenDigest(`${header}.${payload}.${sloppy}`)).toBe(sha256(`${header}.${payload}.${sloppy}`))
    }
    // A 64-byte HS512 signature is not an ECDSA one, whatever its bytes.
    const hs512Header = Buffer.from(JSON.stringify({ alg: 'HS512' })).toString('base64url')
    const high = ecdsaTwin(`${hs512Header}.${payload}.${signature}`)
    expect(tokenDigest(high)).toBe(sha256(high))
  })
})

describe('verified-token cache: bounded in bytes', () => {
  let issuer: LocalIssuer
  beforeAll(async () => {
    issuer = await createIssuer({ algorithms: ['ES256'], clock: () => NOW })
  })
  afterAll(() => issuer.close())

  it('caching many large (7 KB) tokens never exceeds cache.maxBytes; the count bound stays', async () => {
    const fetch: FetchLike = async () => Response.json({ keys: issuer.keys.map((key) => key.publicJwk) })
    const maxBytes = 256 * 1024
    const auth = createAuthenticator({
      issuer: issuer.issuer, audience: issuer.audience, jwksUri: 'https://id.example.com/jwks', fetch, clock: () => NOW,
      maxTokenLength: 16 * 1024, cache: { maxEntries: 1000, maxBytes, admission: 'first-use' },
    })
    let largest = 0
    for (let i = 0; i < 200; i++) {
      const token = await issuer.mint({ sub: `user-${i}`, groups: Array.from({ length: 400 }, (_, g) => `group-${i}-${g}`) })
      expect(token.length).toBeGreaterThan(7000)
      await auth.authenticate(bearer(token))
      expect(auth.cache.bytes).toBeLessThanOrEqual(maxBytes)
      largest = Math.max(largest, auth.cache.size)
    }
    // The bytes, not the count (1000), bound the cache: a few dozen 7 KB tokens fit in 256 KiB.
    expect(largest).toBeGreaterThan(5)
    expect(largest).toBeLessThan(200)
    expect(auth.cache.bytes).toBeGreaterThan(maxBytes / 2)
  })

  it('is bounded to 32 MiB by default; cache.maxBytes is validated', () => {
    const base = { issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri }
    expect(() => createAuthenticator({ ...base, cache: { maxBytes: 1024 } })).toThrow(/cache\.maxBytes/)
    expect(() => createAuthenticator({ ...base, cache: { maxBytes: 1.5 } as never })).toThrow(/cache\.maxBytes/)
    expect(createAuthenticator({ ...base }).cache.bytes).toBe(0)
  })
})
