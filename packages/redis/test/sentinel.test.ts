/**
 * The stores behind Redis Sentinel (a master, a replica and a sentinel started by the test),
 * through node-redis's own sentinel client: they work as on one Redis, and when the master dies
 * checks fail closed (503) until the sentinel has promoted the replica, then answer correctly
 * again, and revocations made after the failover reach every process; so do the invalidation
 * bus's messages.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import express from 'express'
import request from 'supertest'
import { randomUUID } from 'node:crypto'
import { createSentinel } from 'redis'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { requireToken } from '@portcullis/express'
import { createAuthenticator, revocationTokenHash, type Authenticator, type PortcullisRequest, type RevocationQuery } from '@portcullis/core'
import {
  createRedisGrantStore,
  createRedisInvalidationBus,
  createRedisReplayStore,
  createRedisRevocationStore,
  type RedisGrantStore,
  type RedisInvalidationBus,
  type RedisReplayStore,
  type RedisRevocationStore,
} from '@portcullis/redis'
import { grant, ISSUER } from './support/grant-record.js'
import { eventually } from './support/redis-server.js'
import { MASTER_NAME, TestRedisSentinel } from './support/redis-sentinel.js'

const query = (extra: Partial<RevocationQuery>): RevocationQuery => ({ issuer: ISSUER, tokenHash: revocationTokenHash(randomUUID()), ...extra })

describe('Redis Sentinel (master, replica, sentinel; node-redis createSentinel)', () => {
  let deployment: TestRedisSentinel
  let sentinel: () => ReturnType<typeof createSentinel>
  let first: ReturnType<typeof createSentinel>
  let second: ReturnType<typeof createSentinel>
  let a: RedisRevocationStore
  let b: RedisRevocationStore
  let replay: RedisReplayStore
  let grants: RedisGrantStore
  let issuer: LocalIssuer
  let app: express.Express
  // Two processes' authenticators, their caches kept in step by one bus each.
  let authA: Authenticator
  let authB: Authenticator
  let busA: RedisInvalidationBus
  let busB: RedisInvalidationBus
  const prefix = `test-${randomUUID()}`
  beforeAll(async () => {
    deployment = await TestRedisSentinel.start()
    sentinel = () =>
      createSentinel({
        name: MASTER_NAME,
        sentinelRootNodes: deployment.sentinelRootNodes,
        nodeClientOptions: { disableOfflineQueue: true, socket: { connectTimeout: 1000, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 500) } },
      })
    first = sentinel()
    second = sentinel()
    for (const client of [first, second]) client.on('error', () => undefined)
    await Promise.all([first.connect(), second.connect()])
    const localView = { heartbeatInterval: 100, maxStaleness: 400 }
    a = createRedisRevocationStore({ client: first, prefix, localView })
    b = createRedisRevocationStore({ client: second, prefix, localView })
    replay = createRedisReplayStore({ client: second, prefix })
    grants = createRedisGrantStore({ client: first, prefix })
    issuer = await createIssuer()
    app = express()
    app.use(requireToken({ issuer: issuer.issuer, audience: issuer.audience, revocation: { store: b } }))
    app.get('/orders', (_req, res) => void res.json([]))
    authA = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, cache: { admission: 'first-use' } })
    authB = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, cache: { admission: 'first-use' } })
    busA = createRedisInvalidationBus({ client: first, prefix, heartbeatInterval: 100, maxStaleness: 400 })
    busB = createRedisInvalidationBus({ client: second, prefix, heartbeatInterval: 100, maxStaleness: 400 })
    busA.attach(authA)
    busB.attach(authB)
  }, 30_000)
  afterAll(async () => {
    for (const bus of [busA, busB]) await bus?.close().catch(() => undefined)
    for (const store of [a, b, replay, grants]) await store?.close().catch(() => undefined)
    for (const client of [first, second]) if (client?.isOpen) void client.destroy()
    await issuer?.close()
    await deployment?.stop()
  })

  it('the sentinel names the master, the replica in sync', async () => {
    expect(await deployment.currentMasterPort()).toBe(deployment.masterPort)
    expect(await deployment.cli(deployment.replicaPort, 'INFO', 'replication')).toContain('master_link_status:up')
  })

  it('the stores work: revocations reach the local view of the other process, replays and grant races are refused', async () => {
    await Promise.all([a.ready(), b.ready()])
    expect(a.localViewState).toBe('current')
    expect(b.localViewState).toBe('current')
    const token = query({ jti: randomUUID() })
    await a.revokeToken({ jti: token.jti as string, issuer: ISSUER })
    await eventually(async () => (await b.check(token)) === 'jti', 1000, 'propagation')
    const before = b.stats
    expect(await b.check(token)).toBe('jti')
    expect(b.stats.localChecks).toBe(before.localChecks + 1)
    const proof = `proof-${randomUUID()}`
    expect(await replay.remember(proof, Date.now() + 60_000)).toBe(true)
    expect(await replay.remember(proof, Date.now() + 60_000)).toBe(false)
    const record = grant(`g-${randomUUID()}`)
    expect(await grants.create(record)).toBe(true)
    expect(await grants.compareAndSet({ ...record, version: 2, status: 'rejected' }, 1)).toBe(true)
    expect(await grants.compareAndSet({ ...record, version: 2, status: 'active' }, 1)).toBe(false)
  })

  it('a store given a sentinel client that is still connecting becomes ready by itself', async () => {
    const third = sentinel()
    third.on('error', () => undefined)
    const connecting = third.connect()
    const store = createRedisRevocationStore({ client: third, prefix, localView: { heartbeatInterval: 100, maxStaleness: 400 } })
    try {
      await store.ready(5000)
      expect(store.localViewState).toBe('current')
      const token = query({ jti: randomUUID() })
      await a.revokeToken({ jti: token.jti as string, issuer: ISSUER })
      await eventually(async () => (await store.check(token)) === 'jti', 1000, 'propagation')
    } finally {
      await connecting
      await store.close()
      void third.destroy()
    }
  })

  /** Caches two tokens in both processes, invalidates one through A: B forgets that one only. */
  async function invalidationReachesB(): Promise<void> {
    const busRequest = (token: string): PortcullisRequest => ({ method: 'GET', url: '/orders', headers: { authorization: `Bearer ${token}` }, remoteAddress: '127.0.0.1' })
    const [invalidated, kept] = await Promise.all([issuer.mint({ sub: `s-${randomUUID()}` }), issuer.mint({ sub: `s-${randomUUID()}` })])
    for (const auth of [authA, authB]) for (const token of [invalidated, kept]) await auth.authenticate(busRequest(token))
    const size = authB.cache.size
    const { applied, clears } = busB.stats
    await busA.invalidateToken(invalidated)
    // One entry fewer, not a cleared cache: the message itself reached B.
    await eventually(() => authB.cache.size === size - 1, 1000, 'invalidation reaches B')
    expect(busB.stats).toMatchObject({ applied: applied + 1, clears })
  }

  it('the invalidation bus: a token invalidated through one client leaves the cache of the other process', async () => {
    await Promise.all([busA.ready(), busB.ready()])
    await invalidationReachesB()
  })

  it('the master dies: checks fail closed (503) until the replica is promoted, then answer correctly, and new revocations reach every process', async () => {
    const revokedBefore = query({ jti: randomUUID() })
    await a.revokeToken({ jti: revokedBefore.jti as string, issuer: ISSUER })
    // Replication is asynchronous: the replica has the revocation before the crash.
    const versionKey = `${prefix}:v1:rev:version`
    const version = await deployment.cli(deployment.masterPort, 'GET', versionKey)
    await eventually(async () => (await deployment.cli(deployment.replicaPort, 'GET', versionKey)) === version, 2000, 'replicated')
    await eventually(async () => (await b.check(revokedBefore)) === 'jti', 1000)
    const token = await issuer.token('orders:read')
    expect((await request(app).get('/orders').set('Authorization', `Bearer ${token}`)).status).toBe(200)

    const killedAt = performance.now()
    await deployment.processes.kill(deployment.masterPort)
    // The sentinel client reports its pub/sub connection's error: the view is dropped at once.
    await eventually(() => b.localViewState !== 'current', 200, 'view dropped')
    await expect(b.check(query({ jti: randomUUID() }))).rejects.toThrow()
    const down = await request(app).get('/orders').set('Authorization', `Bearer ${token}`)
    expect(down.status).toBe(503)
    expect(down.headers['retry-after']).toBe('1')
    await expect(replay.remember(`proof-${randomUUID()}`, Date.now() + 60_000)).rejects.toThrow()

    await eventually(async () => (await deployment.currentMasterPort()) === deployment.replicaPort, 15_000, 'failover')
    await eventually(async () => (await request(app).get('/orders').set('Authorization', `Bearer ${token}`)).status === 200, 10_000, 'recovery')
    const failoverMs = performance.now() - killedAt
    // Replicated before the crash: still refused after the failover.
    expect(await b.check(revokedBefore)).toBe('jti')
    const revokedAfter = query({ jti: randomUUID() })
    await a.revokeToken({ jti: revokedAfter.jti as string, issuer: ISSUER })
    await eventually(async () => (await b.check(revokedAfter)) === 'jti', 1000, 'revocation after the failover')
    await eventually(() => a.localViewState === 'current' && b.localViewState === 'current', 5000, 'views current on the new master')
    // The bus cleared B's caches on the failover, and carries invalidations on the new master.
    expect(busB.stats.losses).toBeGreaterThanOrEqual(1)
    await eventually(() => busA.state === 'current' && busB.state === 'current', 5000, 'buses current on the new master')
    await invalidationReachesB()
    // From the view now, kept current by the subscription on the new master.
    const before = b.stats
    expect(await b.check(revokedAfter)).toBe('jti')
    expect(b.stats.localChecks).toBe(before.localChecks + 1)
    const later = query({ jti: randomUUID() })
    await b.revokeToken({ jti: later.jti as string, issuer: ISSUER })
    await eventually(async () => (await a.check(later)) === 'jti', 1000, 'second revocation after the failover')
    const proof = `proof-${randomUUID()}`
    expect(await replay.remember(proof, Date.now() + 60_000)).toBe(true)
    expect(await replay.remember(proof, Date.now() + 60_000)).toBe(false)
    expect(await grants.create(grant(`g-${randomUUID()}`))).toBe(true)
    expect(failoverMs).toBeLessThan(20_000)
  }, 40_000)
})
