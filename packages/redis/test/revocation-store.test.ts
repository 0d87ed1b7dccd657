import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createClient, createCluster } from 'redis'
import { revocationTokenHash, type RevocationQuery } from '@portcullis/core'
import { createRedisRevocationStore, type FailOpenEvent, type RedisRevocationStore } from '@portcullis/redis'
import { eventually, REDIS_URL, uniquePrefix } from './support/redis-server.js'

const ISSUER = 'https://id.example.test/'
const query = (extra: Partial<RevocationQuery> = {}): RevocationQuery => ({ issuer: ISSUER, tokenHash: revocationTokenHash('token-value'), ...extra })

describe('createRedisRevocationStore (RFC 7009 §2.1 at the resource server)', () => {
  const prefix = uniquePrefix()
  const admin = createClient({ url: REDIS_URL })
  let a: RedisRevocationStore
  let b: RedisRevocationStore
  let direct: RedisRevocationStore
  beforeAll(async () => {
    await admin.connect()
    a = createRedisRevocationStore({ url: REDIS_URL, prefix })
    b = createRedisRevocationStore({ client: admin, prefix })
    direct = createRedisRevocationStore({ url: REDIS_URL, prefix, localView: false })
    await Promise.all([a.ready(), b.ready(), direct.ready()])
  })
  afterAll(async () => {
    await Promise.all([a.close(), b.close(), direct.close()])
    const keys = await admin.keys(`${prefix}:*`)
    if (keys.length > 0) await admin.del(keys)
    await admin.close()
  })

  it('answers from the local view when current, and agrees with Redis', async () => {
    expect(a.localViewState).toBe('current')
    expect(direct.localViewState).toBe('disabled')
    expect(await a.check(query({ jti: 'nothing' }))).toBeUndefined()
    expect(await direct.check(query({ jti: 'nothing' }))).toBeUndefined()
    // The steady state costs no round trip: the view answers, Redis is not asked.
    const before = a.stats
    for (let i = 0; i < 100; i++) await a.check(query({ jti: `steady-${i}` }))
    expect(a.stats.localChecks - before.localChecks).toBe(100)
    expect(a.stats.redisChecks).toBe(before.redisChecks)
    expect(a.stats.reloads).toBe(1)
    expect(direct.stats).toMatchObject({ localChecks: 0, reloads: 0 })
    expect(direct.stats.redisChecks).toBeGreaterThan(0)
  })

  it('refuses a jti revoked through one store in every other store, within milliseconds', async () => {
    await a.revokeToken({ jti: 'jti-1', issuer: ISSUER })
    expect(await a.check(query({ jti: 'jti-1' }))).toBe('jti') // read your writes, no wait
    expect(await direct.check(query({ jti: 'jti-1' }))).toBe('jti')
    await eventually(async () => (await b.check(query({ jti: 'jti-1' }))) === 'jti', 1000, 'propagation')
    expect(b.localViewState).toBe('current')
    expect(await b.check(query({ jti: 'jti-1', issuer: 'https://other.example.test/' }))).toBeUndefined()
  })

  it('revokes by token value, session, subject and client, with the same semantics as the memory store', async () => {
    await b.revokeToken({ token: 'opaque-token' })
    await b.revokeSession({ sid: 'session-1' })
    const cutOff = new Date(Date.now() - 10_000)
    await b.revokeSubject('alice', { before: cutOff })
    const clientCutOff = Date.now()
    await b.revokeClient('client-1', { issuer: ISSUER })
    for (const store of [a, b, direct]) {
      // The client revocation was published last: once it is seen, so are the others.
      await eventually(async () => (await store.check(query({ clientId: 'client-1', issuedAt: clientCutOff / 1000 - 1 }))) === 'client', 1000)
      expect(await store.check(query({ tokenHash: revocationTokenHash('opaque-token') }))).toBe('token')
      expect(await store.check(query({ sid: 'session-1' }))).toBe('session')
      // Issued before the cut-off: revoked; after it: not; without iat: refused (fail closed).
      expect(await store.check(query({ subject: 'alice', issuedAt: cutOff.getTime() / 1000 - 5 }))).toBe('subject')
      expect(await store.check(query({ subject: 'alice', issuedAt: cutOff.getTime() / 1000 + 5 }))).toBeUndefined()
      expect(await store.check(query({ subject: 'alice' }))).toBe('subject')
      expect(await store.check(query({ clientId: 'client-1', issuedAt: clientCutOff / 1000 - 1 }))).toBe('client')
      expect(await store.check(query({ clientId: 'client-1', issuer: 'https://other.example.test/', issuedAt: 1 }))).toBeUndefined()
    }
  })

  it('never weakens a revocation: the later cut-off wins', async () => {
    const late = new Date(Date.now() - 1000)
    await a.revokeSubject('bob', { before: late })
    await a.revokeSubject('bob', { before: new Date(late.getTime() - 60_000) })
    for (const store of [a, direct]) expect(await store.check(query({ subject: 'bob', issuedAt: late.getTime() / 1000 - 30 }))).toBe('subject')
  })

  it('stores hashes only, under versioned keys that expire with the token', async () => {
    await a.revokeToken({ jti: 'visible-jti', expiresAt: new Date(Date.now() + 5000) })
    const keys = await admin.keys(`${prefix}:*`)
    expect(keys.some((key) => key.includes('visible') || key.includes('alice') || key.includes('opaque'))).toBe(false)
    expect(keys.filter((key) => key.startsWith(`${prefix}:v1:rev:jti:`)).length).toBeGreaterThan(0)
    const ttls = await Promise.all(keys.filter((key) => !key.endsWith(':version')).map((key) => admin.pTTL(key)))
    expect(ttls.every((ttl) => ttl > 0)).toBe(true)
    expect(await admin.exists(keys.filter((key) => key.startsWith(`${prefix}:v1:rev:jti:`)))).toBeGreaterThan(0)
  })

  it('forgets an entry once its token has expired, locally and in Redis', async () => {
    await a.revokeToken({ jti: 'short-lived', expiresAt: new Date(Date.now() + 100) })
    expect(await a.check(query({ jti: 'short-lived' }))).toBe('jti')
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect(await a.check(query({ jti: 'short-lived' }))).toBeUndefined()
    expect(await direct.check(query({ jti: 'short-lived' }))).toBeUndefined()
  })

  it('reloads the local view when it misses a message (version gap)', async () => {
    // A revocation written behind the stores' back: the version moves but no message is sent.
    const sneaky = createRedisRevocationStore({ url: REDIS_URL, prefix, localView: false })
    await sneaky.ready()
    await admin.sendCommand(['INCR', `${prefix}:v1:rev:version`])
    await sneaky.revokeToken({ jti: 'after-gap' })
    await sneaky.close()
    await eventually(async () => (await b.check(query({ jti: 'after-gap' }))) === 'jti', 2000, 'resync after gap')
    await eventually(() => b.localViewState === 'current', 2000)
  })

  it('fails closed when Redis cannot answer, or open (reported, counted) when configured', async () => {
    const closed = createRedisRevocationStore({ url: 'redis://127.0.0.1:1', prefix, commandTimeout: 100 })
    const events: FailOpenEvent[] = []
    const open = createRedisRevocationStore({ url: 'redis://127.0.0.1:1', prefix, commandTimeout: 100, failOpen: true, onFailOpen: (event) => events.push(event) })
    try {
      expect(closed.localViewState).not.toBe('current')
      await expect(closed.check(query({ jti: 'x' }))).rejects.toThrow()
      expect(await open.check(query({ jti: 'x' }))).toBeUndefined()
      expect(events.map((event) => event.store)).toEqual(['revocation'])
      expect(open.failOpenCount).toBe(1)
      // Writes never fail open: a revocation that was not recorded is an error.
      await expect(open.revokeToken({ jti: 'x' })).rejects.toThrow()
      await expect(closed.ready(100)).rejects.toThrow()
    } finally {
      await Promise.all([closed.close(), open.close()])
    }
  })

  it('rejects bad input and options', async () => {
    await expect(a.revokeToken({} as never)).rejects.toThrow('jti or token')
    await expect(a.revokeSubject('')).rejects.toThrow('subject')
    await expect(a.revokeSession({ sid: 's', expiresAt: new Date('nope') })).rejects.toThrow('expiresAt')
    expect(() => createRedisRevocationStore({ url: REDIS_URL, localView: { heartbeatInterval: 500, maxStaleness: 600 } })).toThrow('twice')
    expect(() => createRedisRevocationStore({ url: REDIS_URL, maxTokenLifetime: -1 })).toThrow('maxTokenLifetime')
    // A cluster (never connected here) needs every key of the store in one slot.
    const cluster = createCluster({ rootNodes: [{ url: REDIS_URL }] })
    expect(() => createRedisRevocationStore({ client: cluster, prefix: 'no-tag' })).toThrow('hash tag')
  })
})
