import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createClient } from 'redis'
import { createRedisReplayStore, type FailOpenEvent } from '@portcullis/redis'
import { REDIS_URL, uniquePrefix } from './support/redis-server.js'

describe('createRedisReplayStore (RFC 9449 §11.1)', () => {
  const prefix = uniquePrefix()
  const admin = createClient({ url: REDIS_URL })
  const store = createRedisReplayStore({ url: REDIS_URL, prefix })
  const other = createRedisReplayStore({ url: REDIS_URL, prefix })
  beforeAll(async () => {
    await admin.connect()
    await Promise.all([store.ready(), other.ready()])
  })
  afterAll(async () => {
    const keys = await admin.keys(`${prefix}:*`)
    if (keys.length > 0) await admin.del(keys)
    await Promise.all([store.close(), other.close(), admin.close()])
  })

  it('accepts the first use of a key and refuses every later one, across stores', async () => {
    const expiresAt = Date.now() + 60_000
    expect(await store.remember('proof-a', expiresAt)).toBe(true)
    expect(await store.remember('proof-a', expiresAt)).toBe(false)
    expect(await other.remember('proof-a', expiresAt)).toBe(false)
    expect(await other.remember('proof-b', expiresAt)).toBe(true)
  })

  it('lets exactly one of many concurrent first uses through (atomic SET NX)', async () => {
    const expiresAt = Date.now() + 60_000
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? store : other).remember('race', expiresAt)))
    expect(results.filter(Boolean)).toHaveLength(1)
  })

  it('keeps only a hash of the key, under a versioned prefix, expiring with the proof', async () => {
    await store.remember('secret-jti-value', Date.now() + 30_000)
    const keys = await admin.keys(`${prefix}:*`)
    expect(keys.every((key) => key.startsWith(`${prefix}:v1:dpop:`) && !key.includes('secret'))).toBe(true)
    const ttls = await Promise.all(keys.map((key) => admin.pTTL(key)))
    expect(ttls.every((ttl) => ttl > 0 && ttl <= 60_000)).toBe(true)
  })

  it('forgets a key once its proof has expired', async () => {
    expect(await store.remember('short', Date.now() + 30)).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 80))
    expect(await store.remember('short', Date.now() + 30)).toBe(true)
  })

  it('fails closed when Redis cannot answer, or open (reported) when configured', async () => {
    // Port 1 refuses connections: every command fails at once (no offline queue).
    const closed = createRedisReplayStore({ url: 'redis://127.0.0.1:1', prefix, commandTimeout: 100 })
    const events: FailOpenEvent[] = []
    const open = createRedisReplayStore({ url: 'redis://127.0.0.1:1', prefix, commandTimeout: 100, failOpen: true, onFailOpen: (event) => events.push(event) })
    try {
      await expect(closed.remember('x', Date.now() + 1000)).rejects.toThrow()
      expect(await open.remember('x', Date.now() + 1000)).toBe(true)
      expect(events).toHaveLength(1)
      expect(events[0]?.store).toBe('dpop_replay')
      expect(open.failOpenCount).toBe(1)
      expect(closed.failOpenCount).toBe(0)
    } finally {
      await Promise.all([closed.close(), open.close()])
    }
  })

  it('rejects bad options at creation', () => {
    expect(() => createRedisReplayStore({} as never)).toThrow('Give exactly one of client and url')
    expect(() => createRedisReplayStore({ url: 'http://x' })).toThrow('url must start with redis://')
    expect(() => createRedisReplayStore({ url: REDIS_URL, prefix: 'has space' })).toThrow('prefix')
    expect(() => createRedisReplayStore({ url: REDIS_URL, commandTimeout: 0 })).toThrow('commandTimeout')
  })
})
