/**
 * The invalidation bus between "processes" (each an authenticator with its own bus, its own
 * Redis connections and its own caches), against real Redis and a local issuer.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createClient } from 'redis'
import { createAuthenticator, isPortcullisError, tokenDigest, type Authenticator, type PortcullisRequest } from '@portcullis/core'
import { createPolicyEngine, loadPolicyDocument } from '@portcullis/policy'
import { createIssuer, jwkThumbprint, type LocalIssuer } from '@portcullis/testing'
import { createRedisInvalidationBus, type InvalidationBusError, type RedisInvalidationBus } from '@portcullis/redis'
import { eventually, REDIS_URL, TestRedisServer, uniquePrefix } from './support/redis-server.js'

const requestWith = (token: string): PortcullisRequest => ({ method: 'GET', url: '/orders', headers: { authorization: `Bearer ${token}` }, remoteAddress: '127.0.0.1' })

async function refusal(auth: Authenticator, token: string): Promise<string> {
  try {
    await auth.authenticate(requestWith(token))
  } catch (error) {
    if (isPortcullisError(error)) return `${error.status} ${error.code} ${error.reason}`
    throw error
  }
  return 'accepted'
}

const PERMIT_READ = { id: 'orders', rules: [{ id: 'read', effect: 'Permit', target: { actions: ['read'] } }] }
const DENY_READ = { id: 'orders', rules: [{ id: 'no-read', effect: 'Deny', target: { actions: ['read'] } }] }

describe('createRedisInvalidationBus: one process invalidates, every process forgets', () => {
  const prefix = uniquePrefix()
  const admin = createClient({ url: REDIS_URL })
  const sniffer = createClient({ url: REDIS_URL })
  const wire: string[] = []
  const errors: InvalidationBusError[] = []
  let issuer: LocalIssuer
  let authA: Authenticator
  let authB: Authenticator
  let authC: Authenticator // not attached: what every process did before the bus
  let busA: RedisInvalidationBus
  let busB: RedisInvalidationBus
  beforeAll(async () => {
    issuer = await createIssuer()
    await Promise.all([admin.connect(), sniffer.connect()])
    await sniffer.sSubscribe(`${prefix}:v1:sync:events`, (message) => wire.push(message))
    // First-use admission: every token is cached at once, which these tests are about.
    const options = { issuer: issuer.issuer, audience: issuer.audience, cache: { admission: 'first-use' as const } }
    // A refetches at once for a new kid, so that the test controls when it sees a rotation.
    authA = createAuthenticator({ ...options, jwks: { cooldown: 0 } })
    authB = createAuthenticator(options)
    authC = createAuthenticator(options)
    busA = createRedisInvalidationBus({ url: REDIS_URL, prefix, onError: (error) => errors.push(error) })
    busB = createRedisInvalidationBus({ client: admin, prefix, onError: (error) => errors.push(error) })
    busA.attach(authA)
    busB.attach(authB)
    await Promise.all([busA.ready(), busB.ready()])
  })
  afterAll(async () => {
    await Promise.all([busA.close(), busB.close()])
    const keys = await admin.keys(`${prefix}:*`)
    if (keys.length > 0) await admin.del(keys)
    await Promise.all([admin.close(), sniffer.close()])
    await issuer.close()
  })

  async function cachedEverywhere(token: string): Promise<void> {
    for (const auth of [authA, authB, authC]) await auth.authenticate(requestWith(token))
  }

  it('invalidateToken through A: gone from A at once and from B within milliseconds, never sent in clear', async () => {
    const token = await issuer.mint({ sub: 'carol' })
    await cachedEverywhere(token)
    const sizes = [authA.cache.size, authB.cache.size, authC.cache.size]
    const started = performance.now()
    const sent = busA.invalidateToken(token)
    expect(authA.cache.size).toBe(sizes[0]! - 1) // the local cache, before any round trip
    await sent
    await eventually(() => authB.cache.size === sizes[1]! - 1, 1000, 'propagation to B')
    const elapsed = performance.now() - started
    expect(elapsed).toBeLessThan(1000)
    expect(authC.cache.size).toBe(sizes[2]) // without the bus, nothing reaches C
    expect(busB.stats.applied).toBeGreaterThanOrEqual(1)
    // The token is still valid: the next request verifies it in full and caches it again.
    await authB.authenticate(requestWith(token))
    expect(authB.cache.size).toBe(sizes[1])
    await eventually(() => wire.some((message) => message.includes(tokenDigest(token))), 1000, 'message seen')
    expect(wire.join('\n')).not.toContain(token.split('.')[2])
  })

  it('invalidateClaims through A: B forgets the matching tokens only; values travel as hashes', async () => {
    const alice = await issuer.mint({ sub: 'alice', sid: 'session-alice' })
    const bob = await issuer.mint({ sub: 'bob' })
    await cachedEverywhere(alice)
    await cachedEverywhere(bob)
    const before = authB.cache.size
    await busA.invalidateClaims({ sub: 'alice', iss: issuer.issuer })
    await eventually(() => authB.cache.size === before - 1, 1000, 'propagation to B')
    // bob is still cached in B: deleting him would drop the size again.
    expect(authB.cache.deleteHash(tokenDigest(bob))).toBe(true)
    expect(authB.cache.deleteHash(tokenDigest(alice))).toBe(false)
    await busA.invalidateClaims({ sid: 'session-alice' }) // nothing cached matches any more: a no-op
    await eventually(() => wire.filter((message) => message.startsWith('c ')).length === 2, 1000, 'messages seen')
    for (const value of ['alice', 'session-alice', issuer.issuer]) expect(wire.join('\n')).not.toContain(value)
    await expect(busA.invalidateClaims({})).rejects.toThrow(/at least one/)
    await expect(busA.invalidateClaims({ email: 'x' } as never)).rejects.toThrow(/unknown member email/)
  })

  it('clear through A empties every attached cache and the engines\' attribute caches', async () => {
    let loads = 0
    const engine = createPolicyEngine(loadPolicyDocument(PERMIT_READ), { providers: { profile: { load: () => ++loads, ttl: 60 } } })
    const detach = busB.attachPolicyEngine(engine)
    const identity = (await authB.authenticate(requestWith(await issuer.mint({ sub: 'dave' }))))!.identity
    const decide = () => engine.decide({ action: 'read', identity, request: requestWith('x') })
    // A rule reads the provider so that decisions load (then cache) it.
    engine.update({ id: 'orders', rules: [{ id: 'read', effect: 'Permit', target: { actions: ['read'] }, when: { op: 'gte', attribute: 'subject.profile', value: 0 } }] })
    await decide()
    await decide()
    expect(loads).toBe(1)
    expect(authB.cache.size).toBeGreaterThan(0)
    await busA.clear()
    await eventually(() => authB.cache.size === 0, 1000, 'B cleared')
    expect(authA.cache.size).toBe(0)
    await decide()
    expect(loads).toBe(2)
    detach()
  })

  it('publishPolicy through A: B decides under the new policy; an invalid one is refused and reported', async () => {
    const engineA = createPolicyEngine(loadPolicyDocument(PERMIT_READ))
    const engineB = createPolicyEngine(loadPolicyDocument(PERMIT_READ))
    const detachA = busA.attachPolicyEngine(engineA)
    const detachB = busB.attachPolicyEngine(engineB)
    const identity = (await authB.authenticate(requestWith(await issuer.mint())))!.identity
    const decision = async () => (await engineB.decide({ action: 'read', identity, request: requestWith('x') })).decision
    expect(await decision()).toBe('Permit')
    await busA.publishPolicy(DENY_READ)
    await eventually(async () => (await decision()) === 'Deny', 1000, 'B under the new policy')
    expect((await engineA.decide({ action: 'read', identity, request: requestWith('x') })).decision).toBe('Deny')
    // Refused by A's own engine: nothing is published, B keeps its policy.
    await expect(busA.publishPolicy({ id: 'orders', rules: [{ id: 'bad', effect: 'Maybe' }] })).rejects.toThrow()
    await expect(busA.publishPolicy('{not json')).rejects.toThrow(/not JSON/)
    // A document only B refuses (A has no engine attached any more): B reports it, keeps DENY_READ.
    detachA()
    const reported = errors.length
    await busA.publishPolicy({ id: 'orders', rules: [{ id: 'bad', effect: 'Maybe' }] })
    await eventually(() => errors.length > reported, 1000, 'the refusal reported')
    expect(errors.at(-1)?.kind).toBe('policy')
    expect(await decision()).toBe('Deny')
    detachB()
  })

  it('a key removed by A\'s JWKS refresh: B drops what it verified and refuses its tokens before its own refresh', async () => {
    const heard: string[][] = []
    const unlisten = authA.onKeysRemoved((thumbprints) => heard.push([...thumbprints]))
    const oldKey = issuer.keys[0]!
    const oldToken = await issuer.mint({ sub: 'erin' })
    await cachedEverywhere(oldToken)
    const sizeB = authB.cache.size
    await issuer.rotate({ keepPrevious: false })
    // A new kid makes A refetch the key set, which no longer holds the old key.
    await authA.authenticate(requestWith(await issuer.mint()))
    expect(heard).toEqual([[await jwkThumbprint(oldKey)]])
    expect(await refusal(authA, oldToken)).toBe('401 invalid_token unknown_key')
    const jwksFetches = issuer.stats.jwks
    await eventually(() => authB.cache.size < sizeB, 1000, 'B drops the entries of the removed key')
    // B never refreshed by itself (the bus told it); the token naming the distrusted key makes
    // it refetch once, and the key is gone there too.
    expect(issuer.stats.jwks).toBe(jwksFetches)
    expect(await refusal(authB, oldToken)).toBe('401 invalid_token unknown_key')
    expect(issuer.stats.jwks).toBe(jwksFetches + 1)
    // C, without the bus, still answers from its cache: the gap the bus closes.
    expect(await refusal(authC, oldToken)).toBe('accepted')
    unlisten()
  })

  it('distrustKeys through A: a key known to be compromised leaves every process', async () => {
    const key = issuer.keys[0]!
    const token = await issuer.mint({ sub: 'frank' })
    for (const auth of [authA, authB]) await auth.authenticate(requestWith(token))
    const thumbprint = await jwkThumbprint(key)
    expect(authA.distrustKeys([thumbprint])).toBe(1)
    expect(authA.distrustKeys([thumbprint])).toBe(0) // already gone
    await busA.distrustKeys([thumbprint])
    await eventually(() => authB.cache.deleteHash(tokenDigest(token)) === false, 1000, 'B forgets')
    await expect(busA.distrustKeys(['not a thumbprint'])).rejects.toThrow(/thumbprints/)
  })

  it('a message B cannot read is honoured by clearing; options and attachments are checked', async () => {
    await authB.authenticate(requestWith(await issuer.mint({ sub: 'hank' })))
    expect(authB.cache.size).toBeGreaterThan(0)
    const version = await admin.incr(`${prefix}:v1:sync:version`)
    await admin.sPublish(`${prefix}:v1:sync:events`, `z ${version} a-later-release something-new`)
    await eventually(() => authB.cache.size === 0, 1000, 'cleared')
    expect(busB.state).toBe('current') // in step: no gap, no loss
    expect(() => busB.attach(authB)).toThrow(/already attached/)
    expect(() => busB.attach({} as never)).toThrow(/authenticator/)
    expect(() => busB.attachPolicyEngine({} as never)).toThrow(/policy engine/)
    expect(() => createRedisInvalidationBus({ url: REDIS_URL, heartbeatInterval: 500, maxStaleness: 600 })).toThrow(/twice/)
    expect(() => createRedisInvalidationBus({ url: REDIS_URL, keyRemovalRetention: 0 })).toThrow(/keyRemovalRetention/)
    expect(() => createRedisInvalidationBus({ client: { set() {}, eval() {}, connect() {}, on() {} } as never })).toThrow(/duplicate/)
    expect(() => createRedisInvalidationBus({ url: 'http://x' })).toThrow(/redis:\/\//)
  })

  it('a version gap (a lost message) clears B\'s caches; a policy B missed is loaded when it recovers', async () => {
    const engineB = createPolicyEngine(loadPolicyDocument(PERMIT_READ))
    const detach = busB.attachPolicyEngine(engineB)
    await authB.authenticate(requestWith(await issuer.mint({ sub: 'gina' })))
    expect(authB.cache.size).toBeGreaterThan(0)
    const before = busB.stats
    // A message lost on its way: the version moves without B hearing it.
    await admin.incr(`${prefix}:v1:sync:version`)
    await busA.publishPolicy(DENY_READ)
    await eventually(() => busB.stats.gaps === before.gaps + 1, 2000, 'gap detected')
    expect(authB.cache.size).toBe(0)
    await eventually(() => busB.state === 'current', 2000, 'recovered')
    const identity = (await authB.authenticate(requestWith(await issuer.mint())))!.identity
    await eventually(async () => (await engineB.decide({ action: 'read', identity, request: requestWith('x') })).decision === 'Deny', 2000, 'missed policy loaded')
    expect(busB.stats.clears).toBeGreaterThan(before.clears)
    detach()
  })
})

describe('createRedisInvalidationBus: a lost subscription clears and recovers', () => {
  let redis: TestRedisServer
  let issuer: LocalIssuer
  let busA: RedisInvalidationBus
  let busB: RedisInvalidationBus
  let authB: Authenticator
  beforeAll(async () => {
    redis = await TestRedisServer.start()
    issuer = await createIssuer()
    const prefix = uniquePrefix()
    const options = { url: redis.url, prefix, heartbeatInterval: 100, maxStaleness: 400 }
    busA = createRedisInvalidationBus(options)
    busB = createRedisInvalidationBus(options)
    authB = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, cache: { admission: 'first-use' as const } })
    busB.attach(authB)
    await Promise.all([busA.ready(), busB.ready()])
  })
  afterAll(async () => {
    await Promise.all([busA.close(), busB.close()])
    await redis.stop()
    await issuer.close()
  })

  it('CLIENT KILL TYPE pubsub: B clears its caches, resubscribes, and hears the next invalidation', async () => {
    const token = await issuer.mint()
    await authB.authenticate(requestWith(token))
    expect(authB.cache.size).toBe(1)
    const before = busB.stats
    const killer = createClient({ url: redis.url })
    await killer.connect()
    await killer.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub'])
    await killer.close()
    await eventually(() => busB.stats.losses > before.losses, 2000, 'loss noticed')
    expect(authB.cache.size).toBe(0)
    await busB.ready(3000)
    expect(busB.stats.recoveries).toBeGreaterThan(before.recoveries)
    await busA.ready(3000)
    await authB.authenticate(requestWith(token))
    expect(authB.cache.size).toBe(1)
    await busA.invalidateToken(token)
    await eventually(() => authB.cache.size === 0, 1000, 'invalidation after recovery')
  })

  it('Redis paused (no reset, no message): B notices the silent heartbeats and clears, then recovers', async () => {
    const token = await issuer.mint()
    await authB.authenticate(requestWith(token))
    expect(authB.cache.size).toBe(1)
    const before = busB.stats
    redis.pause()
    try {
      await eventually(() => busB.stats.losses > before.losses, 3000, 'staleness noticed')
      expect(authB.cache.size).toBe(0)
      expect(busB.state).not.toBe('current')
      // Entries cached while the bus cannot listen are dropped once it listens again.
      await authB.authenticate(requestWith(token))
      expect(authB.cache.size).toBe(1)
    } finally {
      redis.resume()
    }
    await busB.ready(5000)
    expect(authB.cache.size).toBe(0)
  })
})
