import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import client from 'prom-client'
import {
  createAuthenticator,
  createMetrics,
  tokenDigest,
  type FetchLike,
  type IntrospectionAnswerStore,
  type RequireTokenOptions,
  type StoredIntrospection,
} from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { bearer, manualClock, rejection } from '../helpers.js'

const NOW = Date.UTC(2030, 0, 15, 12, 0, 0)

type Failure = 'none' | 'reject' | 'hang' | 'throw'

/** An in-memory shared store on the test clock, recording what it is asked. */
class MemoryAnswerStore implements IntrospectionAnswerStore {
  readonly entries = new Map<string, { record: unknown; until: number }>()
  readonly sets: Array<{ tokenHash: string; answer: StoredIntrospection; ttlMs: number }> = []
  readonly deletes: string[] = []
  gets = 0
  failure: Failure = 'none'
  constructor(private readonly clock: () => number) {}

  private fail(): Promise<never> {
    if (this.failure === 'throw') throw new Error('store bug')
    if (this.failure === 'hang') return new Promise<never>(() => undefined)
    return Promise.reject(new Error('store down'))
  }

  /** Puts any record, as a hostile or broken writer could. */
  put(tokenHash: string, record: unknown, ttlMs = 3_600_000): void {
    this.entries.set(tokenHash, { record, until: this.clock() + ttlMs })
  }

  async get(tokenHash: string): Promise<StoredIntrospection | undefined> {
    this.gets++
    if (this.failure !== 'none') return this.fail()
    const entry = this.entries.get(tokenHash)
    return entry !== undefined && entry.until > this.clock() ? (entry.record as StoredIntrospection) : undefined
  }

  async set(tokenHash: string, answer: StoredIntrospection, ttlMs: number): Promise<void> {
    if (this.failure !== 'none') return this.fail()
    this.sets.push({ tokenHash, answer, ttlMs })
    this.entries.set(tokenHash, { record: answer, until: this.clock() + ttlMs })
  }

  async delete(tokenHash: string): Promise<void> {
    if (this.failure !== 'none') return this.fail()
    this.deletes.push(tokenHash)
    this.entries.delete(tokenHash)
  }
}

/** Lets background store writes and deletes settle. */
const settle = () => new Promise((resolve) => setImmediate(resolve))

async function storeErrors(registry: client.Registry): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'portcullis_store_errors_total')
  const series = (metric?.values as Array<{ labels: Record<string, string>; value: number }> | undefined)?.find((v) => v.labels['store'] === 'introspection')
  return series?.value ?? 0
}

describe('introspection.cache.store: a second-level cache shared by processes', () => {
  let issuer: LocalIssuer
  const clock = manualClock(NOW)
  beforeAll(async () => {
    issuer = await createIssuer({ clock: clock.now })
  })
  afterAll(() => issuer.close())

  function options(store: IntrospectionAnswerStore, cache: Record<string, unknown> = {}, rest: Partial<RequireTokenOptions> = {}): RequireTokenOptions {
    return {
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwksUri: issuer.jwksUri,
      clock: clock.now,
      introspection: { endpoint: issuer.introspectionEndpoint, ...issuer.introspectionClient, cache: { store, ...cache } },
      ...rest,
    }
  }

  function fresh(): MemoryAnswerStore {
    issuer.resetStats()
    issuer.setIntrospectionBehaviour('ok')
    return new MemoryAnswerStore(clock.now)
  }

  it('a second authenticator ("process") with the same store reuses the answer: the AS is called once', async () => {
    const store = fresh()
    const token = issuer.opaqueToken({ sub: 'alice', scope: 'orders:read' }, { expiresIn: 3600 })
    const first = await createAuthenticator(options(store)).authenticate(bearer(token))
    await settle()
    expect(store.sets).toHaveLength(1)
    expect(store.sets[0]?.tokenHash).toBe(tokenDigest(token))
    // The token itself never reaches the store.
    expect(JSON.stringify([...store.entries])).not.toContain(token)
    const second = await createAuthenticator(options(store)).authenticate(bearer(token))
    expect(issuer.stats.introspection).toBe(1)
    expect(second?.identity).toMatchObject({ subject: 'alice', scopes: ['orders:read'], tokenType: 'opaque', issuer: issuer.issuer })
    expect(second?.identity.claims).toEqual(first?.identity.claims)
    expect(second?.identity.claims).not.toHaveProperty('active')
  })

  it('inactive answers are shared too, for negativeTtl; an answer from the store is not an AS call for the guard', async () => {
    const store = fresh()
    const writer = createAuthenticator(options(store))
    for (let i = 0; i < 3; i++) await rejection(() => writer.authenticate(bearer(`made-up-${i}`)))
    await settle()
    expect(issuer.stats.introspection).toBe(3)
    const base = options(store)
    const reader = createAuthenticator({ ...base, introspection: { ...base.introspection!, guard: { points: 1, duration: 60 } } })
    const from = (token: string) => bearer(token, { remoteAddress: '192.0.2.1' })
    for (let i = 0; i < 3; i++) {
      const error = await rejection(() => reader.authenticate(from(`made-up-${i}`)))
      expect({ code: error.code, reason: error.reason }).toEqual({ code: 'invalid_token', reason: 'inactive' })
    }
    expect(issuer.stats.introspection).toBe(3)
    // The guard still counts real calls: one unknown token, then 429.
    expect((await rejection(() => reader.authenticate(from('made-up-new')))).code).toBe('invalid_token')
    expect((await rejection(() => reader.authenticate(from('made-up-newer')))).code).toBe('rate_limited')
    expect(store.sets.filter((s) => s.answer.response['active'] === false).every((s) => s.ttlMs === 5000)).toBe(true)
  })

  it('RFC 7662 §4: the stored expiry is never beyond exp nor ttl; a stored record is reused locally at most ttl', async () => {
    const store = fresh()
    const auth = createAuthenticator(options(store, { ttl: 600 }))
    const short = issuer.opaqueToken({}, { expiresIn: 10 })
    const long = issuer.opaqueToken({}, { expiresIn: 3600 })
    await auth.authenticate(bearer(short))
    await auth.authenticate(bearer(long))
    await settle()
    expect(store.sets.map((s) => [s.ttlMs, s.answer.expiresAt])).toEqual([
      [10_000, NOW + 10_000],
      [600_000, NOW + 600_000],
    ])

    // A record claiming a far expiry (another configuration, or a tampered one) is reused by this
    // process for its own ttl (30 s) only, then read again.
    const token = issuer.opaqueToken({}, { expiresIn: 3600 })
    const response = { active: true, iss: issuer.issuer, aud: issuer.audience, sub: 'user-123', exp: NOW / 1000 + 3600 }
    store.put(tokenDigest(token), { response, expiresAt: NOW + 86_400_000 })
    const reader = createAuthenticator(options(store, { ttl: 30 }))
    const gets = store.gets
    await reader.authenticate(bearer(token))
    await reader.authenticate(bearer(token))
    expect(store.gets - gets).toBe(1)
    clock.advance(30_000)
    await reader.authenticate(bearer(token))
    expect(store.gets - gets).toBe(2)
    expect(issuer.stats.introspection).toBe(2)
  })

  it('RFC 7662 §4: a stored answer past its exp or its expiresAt is not used: the AS answers', async () => {
    const store = fresh()
    const auth = createAuthenticator(options(store, {}, { clockTolerance: 0 }))
    const token = issuer.opaqueToken({}, { expiresIn: 3600 })
    const key = tokenDigest(token)
    const valid = { active: true, iss: issuer.issuer, sub: 'mallory' }
    store.put(key, { response: { ...valid, exp: NOW / 1000 - 1 }, expiresAt: NOW + 60_000 })
    expect((await auth.authenticate(bearer(token)))?.identity.subject).toBe('user-123')
    expect(issuer.stats.introspection).toBe(1)
    const other = issuer.opaqueToken({}, { expiresIn: 3600 })
    store.put(tokenDigest(other), { response: { ...valid, exp: NOW / 1000 + 60 }, expiresAt: NOW - 1 })
    expect((await auth.authenticate(bearer(other)))?.identity.subject).toBe('user-123')
    expect(issuer.stats.introspection).toBe(2)
  })

  it.each([
    ['a string', 'junk'],
    ['an array', [{ active: true }]],
    ['no expiresAt', { response: { active: true, sub: 'mallory' } }],
    ['active as a string', { response: { active: 'true', sub: 'mallory' }, expiresAt: NOW + 60_000 }],
    ['no active member', { response: { sub: 'mallory' }, expiresAt: NOW + 60_000 }],
    ['a foreign issuer', { response: { active: true, iss: 'https://evil.example', sub: 'mallory' }, expiresAt: NOW + 60_000 }],
    ['another audience', { response: { active: true, aud: 'https://other.example', sub: 'mallory' }, expiresAt: NOW + 60_000 }],
    ['a refresh token', { response: { active: true, token_type: 'refresh_token', sub: 'mallory' }, expiresAt: NOW + 60_000 }],
    ['a response that is an array', { response: [], expiresAt: NOW + 60_000 }],
  ])('the store is a trust boundary: %s is not trusted, deleted and counted; the AS answers', async (_name, record) => {
    const store = fresh()
    const registry = new client.Registry()
    const auth = createAuthenticator(options(store, {}, { metrics: createMetrics({ client, registry }) }))
    const token = issuer.opaqueToken({}, { expiresIn: 3600 })
    const key = tokenDigest(token)
    store.put(key, record)
    const result = await auth.authenticate(bearer(token))
    expect(result?.identity.subject).toBe('user-123')
    expect(issuer.stats.introspection).toBe(1)
    await settle()
    expect(store.deletes).toContain(key)
    expect(await storeErrors(registry)).toBe(1)
    // Replaced by the AS's own answer.
    expect((store.entries.get(key)?.record as StoredIntrospection).response).toMatchObject({ active: true, sub: 'user-123', iss: issuer.issuer })
  })

  it('a stored answer is frozen and detached from the store: changing the stored object later changes nothing', async () => {
    const store = fresh()
    const token = issuer.opaqueToken({}, { expiresIn: 3600 })
    const response = { active: true, iss: issuer.issuer, sub: 'carol', groups: ['a'] }
    store.put(tokenDigest(token), { response, expiresAt: NOW + 60_000 })
    const auth = createAuthenticator(options(store))
    const claims = (await auth.authenticate(bearer(token)))?.identity.claims as Record<string, unknown>
    response.groups.push('admin')
    expect(claims['groups']).toEqual(['a'])
    expect(Object.isFrozen(claims['groups'])).toBe(true)
  })

  it.each(['reject', 'throw', 'hang'] as const)('a store that fails (%s) is counted and the AS answers: no 500, no hang', async (failure) => {
    const store = fresh()
    store.failure = failure
    const registry = new client.Registry()
    const auth = createAuthenticator(options(store, { storeTimeout: 50 }, { metrics: createMetrics({ client, registry }) }))
    const token = issuer.opaqueToken({}, { expiresIn: 3600 })
    const started = performance.now()
    const result = await auth.authenticate(bearer(token))
    expect(performance.now() - started).toBeLessThan(1000)
    expect(result?.identity.subject).toBe('user-123')
    expect(issuer.stats.introspection).toBe(1)
    // An inactive token is still a 401, not a 503.
    expect((await rejection(() => auth.authenticate(bearer('made-up')))).code).toBe('invalid_token')
    // The local cache still works.
    await auth.authenticate(bearer(token))
    expect(issuer.stats.introspection).toBe(2)
    await new Promise((resolve) => setTimeout(resolve, 80))
    // Two reads and two writes failed.
    expect(await storeErrors(registry)).toBe(4)
  })

  it('authenticator.introspectionCache: size, bytes, delete (also in the store), deleteWhere, clear', async () => {
    const store = fresh()
    const auth = createAuthenticator(options(store))
    const other = createAuthenticator(options(store))
    const control = auth.introspectionCache!
    const alice = issuer.opaqueToken({ sub: 'alice' }, { expiresIn: 3600 })
    const bob = issuer.opaqueToken({ sub: 'bob' }, { expiresIn: 3600 })
    await auth.authenticate(bearer(alice))
    await auth.authenticate(bearer(bob))
    await rejection(() => auth.authenticate(bearer('made-up')))
    await settle()
    expect(control.size).toBe(3)
    expect(control.bytes).toBeGreaterThan(0)
    expect(issuer.stats.introspection).toBe(3)

    // Revoked at the AS, then invalidated here: neither this process nor the store serves it.
    issuer.revokeOpaqueToken(alice)
    expect(control.delete(alice)).toBe(true)
    await settle()
    expect(store.deletes).toContain(tokenDigest(alice))
    expect((await rejection(() => other.authenticate(bearer(alice)))).reason).toBe('inactive')
    expect((await rejection(() => auth.authenticate(bearer(alice)))).reason).toBe('inactive')

    expect(control.deleteWhere((claims, iss) => claims['sub'] === 'bob' && iss === issuer.issuer)).toBe(1)
    await settle()
    expect(store.deletes).toContain(tokenDigest(bob))
    expect(control.deleteHash(tokenDigest('made-up'))).toBe(true)
    expect(control.deleteHash(tokenDigest('never-seen'))).toBe(false)
    await settle()
    expect(store.deletes).toContain(tokenDigest('never-seen'))

    const carol = issuer.opaqueToken({ sub: 'carol' }, { expiresIn: 3600 })
    await auth.authenticate(bearer(carol))
    await settle()
    control.clear()
    await settle()
    expect(control.size).toBe(0)
    expect(store.entries.has(tokenDigest(carol))).toBe(false)

    expect(createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri }).introspectionCache).toBeUndefined()
  })

  it('an answer that was in flight across an invalidation is handed to its requests but not cached', async () => {
    const store = fresh()
    // The real AS, reached only once the test opens the gate.
    let open: () => void = () => undefined
    const gate = new Promise<void>((resolve) => {
      open = resolve
    })
    const fetch: FetchLike = async (url, init) => {
      await gate
      return globalThis.fetch(url, init as RequestInit)
    }
    const auth = createAuthenticator(options(store, {}, { fetch }))
    const token = issuer.opaqueToken({}, { expiresIn: 3600 })
    const pending = auth.authenticate(bearer(token))
    await settle()
    auth.introspectionCache!.delete(token)
    open()
    expect((await pending)?.identity.subject).toBe('user-123')
    await settle()
    expect(auth.introspectionCache!.size).toBe(0)
    expect(store.sets).toHaveLength(0)
  })

  it.each([
    ['a store without methods', { store: {} }, /introspection\.cache\.store must have get, set and delete/],
    ['a store that is null', { store: null }, /introspection\.cache\.store/],
    ['storeTimeout 0', { storeTimeout: 0 }, /introspection\.cache\.storeTimeout must be an integer/],
  ])('configuration: %s is refused at creation', (_name, cache, message) => {
    const store = new MemoryAnswerStore(clock.now)
    expect(() => createAuthenticator(options(store, cache as Record<string, unknown>))).toThrow(message)
  })
})
