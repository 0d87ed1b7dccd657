import { describe, expect, it } from '@jest/globals'
import { RateLimiterMemory } from 'rate-limiter-flexible'
import {
  createAuditor,
  createMemoryRateLimitStore,
  createRateLimitRequirement,
  createRejections,
  DEFAULT_AUTH_CONTEXT,
  rateLimiterFlexibleStore,
  type AuditEvent,
  type AuthContext,
  type Enforcement,
  type Identity,
  type PortcullisError,
  type PortcullisRequest,
  type RateLimitOptions,
  type RateLimitRejection,
  type RateLimitStore,
} from '@portcullis/core'

const NOW = Date.UTC(2030, 0, 15, 12, 0, 0)

function who(subject: string | undefined, extra: Partial<Identity> = {}): Identity {
  return { subject, clientId: 'app', scopes: [], claims: {}, issuer: 'https://issuer.example', ...extra } as unknown as Identity
}

function request(remoteAddress = '192.0.2.1', headers: Record<string, string> = {}): PortcullisRequest {
  return { method: 'GET', url: '/orders?x=1', headers, remoteAddress }
}

function clock(start = NOW): { now: () => number; advance(ms: number): void } {
  let t = start
  return { now: () => t, advance: (ms) => void (t += ms) }
}

function auditContext(events: AuditEvent[]): AuthContext {
  return { rejections: createRejections('api'), auditor: createAuditor((event) => void events.push(event), () => NOW) }
}

async function run(limit: ReturnType<typeof createRateLimitRequirement>, identity: Identity | undefined, req = request(), context = DEFAULT_AUTH_CONTEXT): Promise<Enforcement | PortcullisError> {
  try {
    return await limit.enforce({ request: req, identity, context, input: undefined })
  } catch (error) {
    return error as PortcullisError
  }
}

describe('createRateLimitRequirement', () => {
  it('counts per subject synchronously, with draft-10 headers, and refuses the N+1th with 429 and Retry-After', () => {
    const c = clock()
    const limit = createRateLimitRequirement({ points: 2, duration: 60, clock: c.now })
    const input = { request: request(), identity: who('alice'), context: DEFAULT_AUTH_CONTEXT, input: undefined }
    expect(limit.enforce(input)).toEqual({ responseHeaders: { 'RateLimit-Policy': '"default";q=2;w=60', RateLimit: '"default";r=1;t=60' } })
    c.advance(17_500)
    expect(limit.enforce(input)).toEqual({ responseHeaders: { 'RateLimit-Policy': '"default";q=2;w=60', RateLimit: '"default";r=0;t=43' } })
    let error: PortcullisError | undefined
    try {
      limit.enforce(input)
    } catch (thrown) {
      error = thrown as PortcullisError
    }
    expect({ code: error?.code, status: error?.status, reason: error?.reason, expose: error?.expose }).toEqual({ code: 'rate_limited', status: 429, reason: 'rate_limit', expose: true })
    expect(error?.headers).toEqual({ 'RateLimit-Policy': '"default";q=2;w=60', RateLimit: '"default";r=0;t=43', 'Retry-After': '43' })
    // Another subject has its own window; the window resets after `duration`.
    expect(limit.enforce({ ...input, identity: who('bob') })).toMatchObject({ responseHeaders: { RateLimit: '"default";r=1;t=60' } })
    c.advance(42_500)
    expect(limit.enforce(input)).toMatchObject({ responseHeaders: { RateLimit: '"default";r=1;t=60' } })
  })

  it('keys by client, by claim and by function; a missing value or a throwing function counts for the address', async () => {
    const byClient = createRateLimitRequirement({ key: 'client', points: 1, duration: 60 })
    expect(await run(byClient, who('alice', { clientId: 'a' }))).not.toHaveProperty('code')
    expect(await run(byClient, who('bob', { clientId: 'a' }))).toHaveProperty('code', 'rate_limited')
    expect(await run(byClient, who('bob', { clientId: 'b' }))).not.toHaveProperty('code')

    const byClaim = createRateLimitRequirement({ key: { claim: 'tenant' }, points: 1, duration: 60 })
    expect(await run(byClaim, who('alice', { claims: { tenant: 7 } }))).not.toHaveProperty('code')
    expect(await run(byClaim, who('bob', { claims: { tenant: 7 } }))).toHaveProperty('code', 'rate_limited')
    // No tenant claim: counted for 192.0.2.1, whose first request this is.
    expect(await run(byClaim, who('carol'))).not.toHaveProperty('code')
    expect(await run(byClaim, undefined)).toHaveProperty('code', 'rate_limited')

    const custom = createRateLimitRequirement({
      key: (identity, req) => {
        if (identity?.subject === 'boom') throw new Error('bug')
        return `${identity?.subject ?? ''}@${req.method}`
      },
      points: 1,
      duration: 60,
    })
    expect(await run(custom, who('alice'))).not.toHaveProperty('code')
    expect(await run(custom, who('alice'))).toHaveProperty('code', 'rate_limited')
    expect(await run(custom, who('boom'), request('192.0.2.9'))).not.toHaveProperty('code')
    expect(await run(custom, undefined, request('192.0.2.9'))).toHaveProperty('code', 'rate_limited')
  })

  it('a subject that looks like an address never shares the bucket of that address', async () => {
    const limit = createRateLimitRequirement({ points: 1, duration: 60 })
    expect(await run(limit, who('192.0.2.1'))).not.toHaveProperty('code')
    expect(await run(limit, undefined, request('192.0.2.1'))).not.toHaveProperty('code')
  })

  it('keys unauthenticated requests by peer; X-Forwarded-For only from a trusted proxy, walked from the right', async () => {
    const plain = createRateLimitRequirement({ key: 'ip', points: 1, duration: 60 })
    expect(await run(plain, undefined, request('192.0.2.1', { 'x-forwarded-for': '203.0.113.1' }))).not.toHaveProperty('code')
    // An untrusted peer's header is ignored: same peer, same bucket.
    expect(await run(plain, undefined, request('192.0.2.1', { 'x-forwarded-for': '203.0.113.2' }))).toHaveProperty('code', 'rate_limited')

    const proxied = createRateLimitRequirement({ key: 'ip', points: 1, duration: 60, trustedProxies: ['10.0.0.0/8'] })
    const via = (xff: string, peer = '10.0.0.2'): PortcullisRequest => request(peer, { 'x-forwarded-for': xff })
    expect(await run(proxied, undefined, via('203.0.113.1'))).not.toHaveProperty('code')
    expect(await run(proxied, undefined, via('203.0.113.2'))).not.toHaveProperty('code')
    // A spoofed left part does not change the client the trusted proxy saw.
    expect(await run(proxied, undefined, via('198.51.100.9, 203.0.113.1'))).toHaveProperty('code', 'rate_limited')
    // Several trusted hops are walked past; ::ffff: spelling is the same IPv4 client.
    expect(await run(proxied, undefined, via('::ffff:203.0.113.2, 10.1.1.1'))).toHaveProperty('code', 'rate_limited')
    // Garbage stops the walk at the last trusted hop (the proxy's own bucket).
    expect(await run(proxied, undefined, via('not-an-ip', '10.9.9.9'))).not.toHaveProperty('code')
    expect(await run(proxied, undefined, via('', '10.9.9.9'))).toHaveProperty('code', 'rate_limited')
  })

  it('counts IPv6 clients by their /64', async () => {
    const limit = createRateLimitRequirement({ key: 'ip', points: 1, duration: 60 })
    expect(await run(limit, undefined, request('2001:db8:1:2::1'))).not.toHaveProperty('code')
    expect(await run(limit, undefined, request('2001:db8:1:2:ffff::9'))).toHaveProperty('code', 'rate_limited')
    expect(await run(limit, undefined, request('2001:db8:1:3::1'))).not.toHaveProperty('code')
  })

  it('picks the first tier whose scope or claim matches; unauthenticated requests get the last tier', async () => {
    const limit = createRateLimitRequirement({
      tiers: [
        { when: { scope: 'tier:pro' }, points: 3, duration: 60, name: 'pro' },
        { when: { claim: 'plan', value: 'team' }, points: 2, duration: 30 },
        { points: 1, duration: 60 },
      ],
    })
    expect(limit.policies.map((p) => p.name)).toEqual(['pro', 'tier-1', 'default'])
    expect(await run(limit, who('alice', { scopes: ['tier:pro'] }))).toMatchObject({ responseHeaders: { 'RateLimit-Policy': '"pro";q=3;w=60', RateLimit: '"pro";r=2;t=60' } })
    expect(await run(limit, who('bob', { claims: { plan: ['x', 'team'] } }))).toMatchObject({ responseHeaders: { 'RateLimit-Policy': '"tier-1";q=2;w=30' } })
    expect(await run(limit, who('carol'))).toMatchObject({ responseHeaders: { 'RateLimit-Policy': '"default";q=1;w=60' } })
    expect(await run(limit, undefined)).toMatchObject({ responseHeaders: { RateLimit: '"default";r=0;t=60' } })
  })

  it.each<[string, RateLimitOptions]>([
    ['no limit', {}],
    ['points and tiers', { points: 1, duration: 1, tiers: [{ points: 1, duration: 1 }] }],
    ['empty tiers', { tiers: [] }],
    ['a last tier with when', { tiers: [{ when: { scope: 'a' }, points: 1, duration: 1 }] }],
    ['a catch-all before the last', { tiers: [{ points: 1, duration: 1 }, { points: 2, duration: 1 }] }],
    ['zero points', { points: 0, duration: 1 }],
    ['fractional duration', { points: 1, duration: 0.5 }],
    ['a day and a second', { points: 1, duration: 86_401 }],
    ['a quoted name', { tiers: [{ points: 1, duration: 1, name: 'a"b' }] }],
    ['duplicate names', { tiers: [{ when: { scope: 'a' }, points: 1, duration: 1, name: 'x' }, { points: 1, duration: 1, name: 'x' }] }],
    ['two scopes in one', { tiers: [{ when: { scope: 'a b' }, points: 1, duration: 1 }, { points: 1, duration: 1 }] }],
    ['an object claim value', { tiers: [{ when: { claim: 'plan', value: {} as never }, points: 1, duration: 1 }, { points: 1, duration: 1 }] }],
    ['an unknown key', { key: 'email' as never, points: 1, duration: 1 }],
    ['an unknown option', { points: 1, duration: 1, max: 3 } as never],
    ['untrusted proxies', { points: 1, duration: 1, trustedProxies: ['10.0.0.1/8'] }],
  ])('refuses %s at creation', (_label, options) => {
    expect(() => createRateLimitRequirement(options)).toThrow(expect.objectContaining({ code: 'invalid_configuration' }))
  })

  it('audits a refusal as excess_rate_limit_exceeded and calls onRejected; a throwing hook changes nothing', async () => {
    const events: AuditEvent[] = []
    const rejected: RateLimitRejection[] = []
    const limit = createRateLimitRequirement({
      points: 1,
      duration: 10,
      onRejected: (rejection) => {
        rejected.push(rejection)
        throw new Error('metrics down')
      },
    })
    await run(limit, who('alice'), request(), auditContext(events))
    expect(events).toEqual([])
    expect(await run(limit, who('alice'), request(), auditContext(events))).toHaveProperty('status', 429)
    expect(events.map((e) => [e.event, e.level, e.outcome, e.reason, e.user_id, e.request_uri])).toEqual([['excess_rate_limit_exceeded', 'WARN', 'failure', 'rate_limit', 'alice', '/orders']])
    expect(rejected).toEqual([{ policy: 'default', keyKind: 'subject', retryAfter: 10, degraded: false }])
  })

  it('counts through rate-limiter-flexible limiters (rateLimiterFlexibleStore)', async () => {
    const store = rateLimiterFlexibleStore(({ keyPrefix, points, duration }) => new RateLimiterMemory({ keyPrefix, points, duration }))
    const limit = createRateLimitRequirement({ points: 2, duration: 30, store })
    expect(await run(limit, who('alice'))).toMatchObject({ responseHeaders: { RateLimit: '"default";r=1;t=30' } })
    expect(await run(limit, who('alice'))).toMatchObject({ responseHeaders: { RateLimit: '"default";r=0;t=30' } })
    const error = (await run(limit, who('alice'))) as PortcullisError
    expect({ status: error.status, retry: error.headers['Retry-After'], state: error.headers['RateLimit'] }).toEqual({ status: 429, retry: '30', state: '"default";r=0;t=30' })
  })

  it.each([
    ['throws', (() => ({ consume: () => { throw new Error('down') } })) as RateLimitStore],
    ['rejects', (() => ({ consume: () => Promise.reject(new Error('ECONNREFUSED')) })) as RateLimitStore],
    ['hangs', (() => ({ consume: () => new Promise<never>(() => undefined) })) as RateLimitStore],
  ])('a store that %s degrades to per-process limits, audited once, and is tried again after storeRetry', async (_label, failing) => {
    const events: AuditEvent[] = []
    const c = clock()
    let calls = 0
    const store: RateLimitStore = (policy) => {
      const counter = failing(policy)
      return { consume: (key) => (calls++, counter.consume(key)) }
    }
    const limit = createRateLimitRequirement({ points: 2, duration: 60, store, storeTimeout: 20, storeRetry: 5, clock: c.now })
    const context = auditContext(events)
    expect(await run(limit, who('alice'), request(), context)).toMatchObject({ responseHeaders: { RateLimit: '"default";r=1;t=60' } })
    expect(await run(limit, who('alice'), request(), context)).toMatchObject({ responseHeaders: { RateLimit: '"default";r=0;t=60' } })
    expect(await run(limit, who('alice'), request(), context)).toHaveProperty('status', 429)
    expect(calls).toBe(1)
    expect(events.map((e) => [e.event, e.level, e.outcome])).toEqual([
      ['excess_rate_limit_degraded', 'CRITICAL', 'unknown'],
      ['excess_rate_limit_exceeded', 'WARN', 'failure'],
    ])
    c.advance(5000)
    expect(await run(limit, who('bob'), request(), context)).toMatchObject({ responseHeaders: { RateLimit: '"default";r=1;t=60' } })
    expect(calls).toBe(2)
  })

  it('the memory store is bounded by maxKeys (least recently seen forgotten first)', () => {
    const c = clock()
    const store = createMemoryRateLimitStore({ maxKeys: 2, clock: c.now })
    const counter = store({ name: 'default', points: 1, duration: 60, keyPrefix: 'p:' })
    expect(counter.consume('a')).toEqual({ consumed: 1, resetMs: 60_000 })
    expect(counter.consume('a')).toEqual({ consumed: 2, resetMs: 60_000 })
    counter.consume('b')
    counter.consume('c')
    expect(counter.consume('a')).toEqual({ consumed: 1, resetMs: 60_000 })
  })
})
