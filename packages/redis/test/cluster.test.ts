/**
 * The stores on a real Redis Cluster (three masters started by the test), through node-redis's
 * own cluster client: each store's keys share one slot thanks to the hash tag in the prefix,
 * revocations reach another process's local view by sharded pub/sub, and a prefix that would
 * spread keys over slots is refused at creation rather than failing on every request. The
 * invalidation bus carries an invalidation from one process's caches to the other's the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createClient, createCluster } from 'redis'
import { randomUUID } from 'node:crypto'
import { createAuthenticator, revocationTokenHash, type PortcullisRequest, type RevocationQuery } from '@portcullis/core'
import { createRedisGrantStore, createRedisInvalidationBus, createRedisReplayStore, createRedisRevocationStore, type RedisGrantStore, type RedisRevocationStore } from '@portcullis/redis'
import { createIssuer } from '@portcullis/testing'
import { grant, ISSUER } from './support/grant-record.js'
import { TestRedisCluster } from './support/redis-cluster.js'
import { eventually } from './support/redis-server.js'

const query = (extra: Partial<RevocationQuery>): RevocationQuery => ({ issuer: ISSUER, tokenHash: revocationTokenHash(randomUUID()), ...extra })

describe('Redis Cluster (three masters, node-redis createCluster)', () => {
  let cluster: TestRedisCluster
  // Two clients: two processes, as far as the stores can tell.
  let first: ReturnType<typeof createCluster>
  let second: ReturnType<typeof createCluster>
  const prefix = `{${randomUUID()}}`
  const closers: Array<() => Promise<void>> = []
  beforeAll(async () => {
    cluster = await TestRedisCluster.start()
    first = createCluster({ rootNodes: cluster.rootNodes })
    second = createCluster({ rootNodes: cluster.rootNodes })
    for (const client of [first, second]) client.on('error', () => undefined)
    await Promise.all([first.connect(), second.connect()])
  }, 30_000)
  afterAll(async () => {
    for (const close of closers) await close().catch(() => undefined)
    for (const client of [first, second]) if (client?.isOpen) client.destroy()
    await cluster?.stop()
  })
  function revocationStores(localView?: { heartbeatInterval: number; maxStaleness: number }): [RedisRevocationStore, RedisRevocationStore] {
    const a = createRedisRevocationStore({ client: first, prefix, localView })
    const b = createRedisRevocationStore({ client: second, prefix, localView })
    closers.push(() => a.close(), () => b.close())
    return [a, b]
  }

  it('serves every slot from three masters', async () => {
    expect(first.masters).toHaveLength(3)
    const info = String(await cluster.command(cluster.ports[0] as number, (node) => node.sendCommand(['CLUSTER', 'INFO'])))
    expect(info).toContain('cluster_slots_assigned:16384')
  })

  it('a revocation made through one client is refused through the other, from its local view', async () => {
    const [a, b] = revocationStores()
    await Promise.all([a.ready(), b.ready()])
    expect(a.localViewState).toBe('current')
    expect(b.localViewState).toBe('current')
    const token = query({ jti: randomUUID() })
    expect(await b.check(token)).toBeUndefined()
    await a.revokeToken({ jti: token.jti as string, issuer: ISSUER })
    expect(await a.check(token)).toBe('jti')
    await eventually(async () => (await b.check(token)) === 'jti', 1000, 'propagation through the shard channel')
    const before = b.stats
    expect(await b.check(token)).toBe('jti')
    expect(b.stats.localChecks).toBe(before.localChecks + 1) // answered by the view, not Redis
    await b.revokeSubject('alice', { issuer: ISSUER })
    await eventually(async () => (await a.check(query({ subject: 'alice', issuedAt: Date.now() / 1000 - 60 }))) === 'subject', 1000)
    // Every key of the store lives on the one node that serves the hash tag's slot.
    const counts = await Promise.all(cluster.ports.map((port) => cluster.command(port, async (node) => (await node.keys(`${prefix}:*`)).length)))
    expect(counts.filter((count) => count > 0)).toHaveLength(1)
  })

  it('the subscription cut on the shard: the view is dropped when node-redis reports it, and no revocation is missed', async () => {
    // Heartbeats far apart: a gap noticed at the next heartbeat would take up to a second.
    const [a, b] = revocationStores({ heartbeatInterval: 1000, maxStaleness: 3000 })
    await Promise.all([a.ready(), b.ready()])
    const admins = await Promise.all(cluster.ports.map(async (port) => {
      const admin = createClient({ url: `redis://127.0.0.1:${port}` })
      admin.on('error', () => undefined)
      await admin.connect()
      return admin
    }))
    try {
      // No new connection is accepted (open ones stay), so the cut subscriber cannot resubscribe
      // before the revocation: only the reported disconnect can tell the view it missed it.
      for (const admin of admins) {
        const clients = /connected_clients:(\d+)/.exec(await admin.info('clients'))?.[1] as string
        await admin.configSet('maxclients', clients)
      }
      for (const admin of admins) await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub'])
      const token = query({ jti: randomUUID() })
      await a.revokeToken({ jti: token.jti as string, issuer: ISSUER })
      // Well below the heartbeat interval, let alone maxStaleness: the bound is the time
      // node-redis takes to report the closed connection.
      await eventually(async () => (await b.check(token)) === 'jti', 150, 'revocation seen after the cut')
      for (const admin of admins) await admin.configSet('maxclients', '10000')
      await eventually(() => b.localViewState === 'current', 5000, 'view current again')
      expect(await b.check(token)).toBe('jti')
    } finally {
      for (const admin of admins) {
        await admin.configSet('maxclients', '10000').catch(() => undefined)
        admin.destroy()
      }
    }
  })

  it('DPoP replay: the first use is accepted, a replay through the other client refused, with or without a hash tag', async () => {
    for (const storePrefix of [prefix, `plain-${randomUUID()}`]) {
      // One key per command: any prefix works, keys spread over the slots.
      const a = createRedisReplayStore({ client: first, prefix: storePrefix })
      const b = createRedisReplayStore({ client: second, prefix: storePrefix })
      closers.push(() => a.close(), () => b.close())
      for (let i = 0; i < 20; i++) {
        const proof = `${randomUUID()}:jti-${i}`
        expect(await a.remember(proof, Date.now() + 60_000)).toBe(true)
        expect(await b.remember(proof, Date.now() + 60_000)).toBe(false)
        expect(await a.remember(proof, Date.now() + 60_000)).toBe(false)
      }
    }
  })

  it('grants: compare-and-set through two clients, exactly one writer wins', async () => {
    const a = createRedisGrantStore({ client: first, prefix })
    const b = createRedisGrantStore({ client: second, prefix })
    closers.push(() => a.close(), () => b.close())
    const record = grant(`g-${randomUUID()}`)
    expect(await a.create(record)).toBe(true)
    expect(await b.create(record)).toBe(false)
    const approve = (store: RedisGrantStore) => store.compareAndSet({ ...record, version: 2, status: 'active', startsAt: 2_000, expiresAt: 3_000 }, 1)
    const results = await Promise.all([approve(a), approve(b)])
    expect(results.filter(Boolean)).toHaveLength(1)
    expect(await b.get(record.id)).toMatchObject({ version: 2, status: 'active' })
    expect((await a.list({ subject: 'alice', issuer: ISSUER })).map((r) => r.id)).toContain(record.id)
    expect((await b.list({ statuses: ['active'] })).map((r) => r.id)).toEqual([record.id])
    expect(await a.delete(record.id, 1)).toBe(false)
    expect(await a.delete(record.id, 2)).toBe(true)
    expect(await b.get(record.id)).toBeUndefined()
  })

  it('the invalidation bus: a token invalidated through one client leaves the cache of the other process, by its message', async () => {
    const issuer = await createIssuer()
    closers.push(() => issuer.close())
    const options = { issuer: issuer.issuer, audience: issuer.audience, cache: { admission: 'first-use' as const } }
    const [authA, authB] = [createAuthenticator(options), createAuthenticator(options)]
    const busA = createRedisInvalidationBus({ client: first, prefix })
    const busB = createRedisInvalidationBus({ client: second, prefix })
    closers.push(() => busA.close(), () => busB.close())
    busA.attach(authA)
    busB.attach(authB)
    await Promise.all([busA.ready(), busB.ready()])
    const request = (token: string): PortcullisRequest => ({ method: 'GET', url: '/orders', headers: { authorization: `Bearer ${token}` }, remoteAddress: '127.0.0.1' })
    const [invalidated, kept] = await Promise.all([issuer.mint({ sub: 'carol' }), issuer.mint({ sub: 'dave' })])
    for (const auth of [authA, authB]) for (const token of [invalidated, kept]) await auth.authenticate(request(token))
    expect(authB.cache.size).toBe(2)
    await busA.invalidateToken(invalidated)
    expect(authA.cache.size).toBe(1)
    // One entry fewer, not a cleared cache: the message itself reached B over the shard channel.
    await eventually(() => authB.cache.size === 1, 1000, 'invalidation through the shard channel')
    expect(busB.stats).toMatchObject({ applied: 1, clears: 0 })
    expect(busB.state).toBe('current')
  })

  it('a prefix without a hash tag is refused at creation for the stores whose commands touch several keys', () => {
    for (const bad of ['no-tag', 'empty-{}-tag', 'open-{-only', '}{reversed']) {
      expect(() => createRedisRevocationStore({ client: first, prefix: bad })).toThrow(/hash tag.*share one slot/)
      expect(() => createRedisGrantStore({ client: first, prefix: bad })).toThrow(/hash tag.*share one slot/)
      expect(() => createRedisInvalidationBus({ client: first, prefix: bad })).toThrow(/hash tag.*share one slot/)
    }
    // The default prefix has no tag either.
    expect(() => createRedisGrantStore({ client: first })).toThrow('hash tag')
    expect(() => createRedisRevocationStore({ client: first, prefix: 'x-{tag}', localView: false })).not.toThrow()
  })
})
