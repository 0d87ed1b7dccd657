import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createClient } from 'redis'
import { createAuthenticator, tokenDigest, type PortcullisRequest, type StoredIntrospection } from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { createRedisIntrospectionStore } from '@portcullis/redis'
import { eventually, REDIS_URL, uniquePrefix } from './support/redis-server.js'

const bearer = (token: string): PortcullisRequest => ({ method: 'GET', url: '/orders', headers: { authorization: `Bearer ${token}` } })

describe('createRedisIntrospectionStore (RFC 7662 §4 answers shared by processes)', () => {
  const prefix = uniquePrefix()
  const admin = createClient({ url: REDIS_URL })
  const store = createRedisIntrospectionStore({ url: REDIS_URL, prefix })
  const other = createRedisIntrospectionStore({ url: REDIS_URL, prefix })
  let issuer: LocalIssuer
  beforeAll(async () => {
    issuer = await createIssuer()
    await admin.connect()
    await Promise.all([store.ready(), other.ready()])
  })
  afterAll(async () => {
    const keys = await admin.keys(`${prefix}:*`)
    if (keys.length > 0) await admin.del(keys)
    await Promise.all([store.close(), other.close(), admin.close()])
    await issuer.close()
  })

  const answer = (sub: string): StoredIntrospection => ({ response: { active: true, sub, iss: 'https://id.example' }, expiresAt: Date.now() + 60_000 })

  it('stores one JSON record per token digest, under a versioned key, with PX expiry; other stores read it', async () => {
    const hash = tokenDigest('opaque-token-1')
    await store.set(hash, answer('alice'), 30_000)
    expect(await other.get(hash)).toEqual({ response: { active: true, sub: 'alice', iss: 'https://id.example' }, expiresAt: expect.any(Number) })
    const key = `${prefix}:v1:introspection:${hash}`
    expect(JSON.parse((await admin.get(key)) as string)).toMatchObject({ response: { active: true, sub: 'alice' } })
    const ttl = await admin.pTTL(key)
    expect(ttl).toBeGreaterThan(25_000)
    expect(ttl).toBeLessThanOrEqual(30_000)
    await other.delete(hash)
    expect(await store.get(hash)).toBeUndefined()
    expect(await admin.exists(key)).toBe(0)
  })

  it('forgets an answer when its PX expiry passes', async () => {
    const hash = tokenDigest('short-lived')
    await store.set(hash, answer('bob'), 40)
    await new Promise((resolve) => setTimeout(resolve, 80))
    expect(await store.get(hash)).toBeUndefined()
  })

  it('a key that is not a token digest is hashed: nothing but digests reaches Redis', async () => {
    await store.set('raw secret value', answer('carol'), 30_000)
    expect((await other.get('raw secret value'))?.response).toMatchObject({ sub: 'carol' })
    const keys = await admin.keys(`${prefix}:*`)
    expect(keys.some((key) => key.includes('secret'))).toBe(false)
    await store.delete('raw secret value')
  })

  it.each([
    ['not JSON', '{"response":'],
    ['JSON without a response', '{"expiresAt":1}'],
    ['a response that is not an object', '{"response":"active","expiresAt":1}'],
    ['an expiresAt that is not a number', '{"response":{"active":true},"expiresAt":"soon"}'],
    ['larger than 2 MiB', JSON.stringify({ response: { active: true, padding: 'x'.repeat(2 * 1024 * 1024) }, expiresAt: 1 })],
  ])('a stored value that is not a record (%s) is ignored and deleted', async (_name, value) => {
    const hash = tokenDigest(`garbled-${_name}`)
    const key = `${prefix}:v1:introspection:${hash}`
    await admin.set(key, value, { PX: 60_000 })
    expect(await store.get(hash)).toBeUndefined()
    await eventually(async () => (await admin.exists(key)) === 0, 2000, 'garbled value deleted')
  })

  it('rejects (for core to ask the AS) when Redis cannot answer, within the deadline', async () => {
    const down = createRedisIntrospectionStore({ url: 'redis://127.0.0.1:1', prefix, commandTimeout: 100 })
    try {
      const started = performance.now()
      await expect(down.get(tokenDigest('x'))).rejects.toThrow()
      await expect(down.set(tokenDigest('x'), answer('x'), 1000)).rejects.toThrow()
      await expect(down.delete(tokenDigest('x'))).rejects.toThrow()
      expect(performance.now() - started).toBeLessThan(1000)
    } finally {
      await down.close()
    }
  })

  it('two authenticators ("processes") sharing one Redis store: the AS is called once per token', async () => {
    issuer.resetStats()
    const options = (introspectionStore: typeof store) => ({
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwksUri: issuer.jwksUri,
      introspection: { endpoint: issuer.introspectionEndpoint, ...issuer.introspectionClient, cache: { store: introspectionStore } },
    })
    const first = createAuthenticator(options(store))
    const second = createAuthenticator(options(other))
    const token = issuer.opaqueToken({ sub: 'dave', scope: 'orders:read' }, { expiresIn: 3600 })
    expect((await first.authenticate(bearer(token)))?.identity.subject).toBe('dave')
    const key = `${prefix}:v1:introspection:${tokenDigest(token)}`
    await eventually(async () => (await admin.exists(key)) === 1, 2000, 'answer shared')
    expect((await admin.get(key)) as string).not.toContain(token)
    // The default ttl (60 s) bounds the Redis expiry.
    expect(await admin.pTTL(key)).toBeLessThanOrEqual(60_000)
    const result = await second.authenticate(bearer(token))
    expect(result?.identity).toMatchObject({ subject: 'dave', scopes: ['orders:read'], tokenType: 'opaque' })
    expect(issuer.stats.introspection).toBe(1)

    // Invalidated in one process: gone from Redis too, so a third process asks the AS again.
    issuer.revokeOpaqueToken(token)
    expect(first.introspectionCache?.delete(token)).toBe(true)
    await eventually(async () => (await admin.exists(key)) === 0, 2000, 'answer removed from Redis')
    await expect(createAuthenticator(options(store)).authenticate(bearer(token))).rejects.toMatchObject({ code: 'invalid_token', reason: 'inactive' })
    expect(issuer.stats.introspection).toBe(2)
  })
})
