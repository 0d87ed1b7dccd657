import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { randomUUID } from 'node:crypto'
import { createAuthenticator, type FetchLike, type JwksFetchEvent, type RequireTokenOptions } from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { bearer, manualClock, rejection } from '../helpers.js'

const ISSUER = 'https://id.example.com/'
const AUDIENCE = 'https://api.example.com'
const JWKS = 'https://id.example.com/jwks'

type Mode = 'ok' | 'error' | 'hang' | 'huge'

/** A fetch that serves the local issuer's keys from memory: no network, full control. */
function fakeJwks(issuer: LocalIssuer): { fetch: FetchLike; calls: string[]; mode: Mode } {
  const state = { calls: [] as string[], mode: 'ok' as Mode, fetch: undefined as unknown as FetchLike }
  state.fetch = async (url, init) => {
    state.calls.push(url)
    if (state.mode === 'error') throw new TypeError('fetch failed: ECONNREFUSED')
    if (state.mode === 'hang') {
      return new Promise<Response>((_resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error))
      })
    }
    if (state.mode === 'huge') {
      // Streamed with no Content-Length: the size cap must hold while reading.
      const chunk = new TextEncoder().encode(' '.repeat(64 * 1024))
      let sent = 0
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent++ > 100) controller.close()
          else controller.enqueue(chunk)
        },
      })
      return new Response(body, { status: 200 })
    }
    return Response.json({ keys: issuer.keys.map((key) => key.publicJwk) })
  }
  return state
}

describe('remote JWKS (OpenID Connect Core 1.0 §10.1.1; failure policy: docs/architecture.md)', () => {
  let issuer: LocalIssuer

  beforeAll(async () => {
    issuer = await createIssuer({ algorithms: ['ES256'] })
  })
  afterAll(() => issuer.close())

  const mint = (options: Parameters<LocalIssuer['mint']>[1] = {}) => issuer.mint({ iss: ISSUER, aud: AUDIENCE }, options)

  function setup(overrides: Partial<RequireTokenOptions> = {}) {
    const clock = manualClock(Date.now())
    const jwks = fakeJwks(issuer)
    const auth = createAuthenticator({
      issuer: ISSUER, audience: AUDIENCE, jwksUri: JWKS, fetch: jwks.fetch, clock: clock.now, ...overrides,
    })
    return { clock, jwks, auth }
  }

  it('fetches once for many concurrent first requests (single flight)', async () => {
    const { jwks, auth } = setup()
    const token = await mint()
    const results = await Promise.all(Array.from({ length: 20 }, () => auth.authenticate(bearer(token))))
    expect(results.every((r) => r?.identity.issuer === ISSUER)).toBe(true)
    expect(jwks.calls).toEqual([JWKS])
  })

  it('an unknown-kid flood causes at most one refetch per cooldown', async () => {
    const { jwks, auth, clock } = setup({ jwks: { cooldown: 30_000 } })
    await auth.authenticate(bearer(await mint()))
    // Not newer than the keys (iat at the fetch): no early refetch applies (see below for newer ones).
    const iat = Math.floor(clock.now() / 1000)
    const forged = await Promise.all(
      Array.from({ length: 50 }, () => issuer.mint({ iss: ISSUER, aud: AUDIENCE, iat }, { header: { kid: randomUUID() } })),
    )
    for (const token of forged) {
      const error = await rejection(() => auth.authenticate(bearer(token)))
      expect(error.code).toBe('invalid_token')
    }
    expect(jwks.calls).toHaveLength(1) // the initial fetch is within the cooldown
    clock.advance(30_001)
    for (const token of forged.slice(0, 10)) await rejection(() => auth.authenticate(bearer(token)))
    expect(jwks.calls).toHaveLength(2)
  })

  it('keeps serving the last good keys while the endpoint fails (stale-if-error), up to maxStale', async () => {
    const { jwks, auth, clock } = setup({ jwks: { cacheMaxAge: 60_000, maxStale: 3_600_000 } })
    const token = await mint({ expiresIn: 7200 })
    await auth.authenticate(bearer(token))
    jwks.mode = 'error'
    clock.advance(61_000)
    expect((await auth.authenticate(bearer(token)))?.identity.subject).toBe('user-123')
    await new Promise((resolve) => setImmediate(resolve))
    expect(jwks.calls).toHaveLength(2) // a background refresh was attempted, and failed
    clock.advance(3_600_000)
    const error = await rejection(() => auth.authenticate(bearer(token)))
    expect(error.code).toBe('temporarily_unavailable')
    expect(error.status).toBe(503)
  })

  it('reports every fetch attempt to jwks.onFetch (for metrics and alerts)', async () => {
    const events: JwksFetchEvent[] = []
    const { jwks, auth, clock } = setup({ jwks: { cooldown: 1000, onFetch: (event) => void events.push(event) } })
    await auth.authenticate(bearer(await mint()))
    jwks.mode = 'error'
    clock.advance(1001)
    await rejection(async () => auth.authenticate(bearer(await mint({ header: { kid: 'unknown' } }))))
    expect(events.map(({ trigger, outcome, keys }) => ({ trigger, outcome, keys }))).toEqual([
      { trigger: 'initial', outcome: 'ok', keys: 1 },
      { trigger: 'unknown_kid', outcome: 'error', keys: undefined },
    ])
    expect(events[1]?.uri).toBe(JWKS)
    expect(String((events[1]?.error as Error).message)).toContain('ECONNREFUSED')
  })

  it('answers 503 with Retry-After when no keys were ever obtained, and backs off between tries', async () => {
    const { jwks, auth, clock } = setup()
    jwks.mode = 'error'
    const token = await mint()
    const first = await rejection(() => auth.authenticate(bearer(token)))
    expect(first.status).toBe(503)
    expect(Number(first.headers['Retry-After'])).toBeGreaterThanOrEqual(1)
    expect(first.headers['WWW-Authenticate']).toBeUndefined()
    const second = await rejection(() => auth.authenticate(bearer(token)))
    expect(second.status).toBe(503)
    expect(jwks.calls).toHaveLength(1)
    jwks.mode = 'ok'
    clock.advance(5_000)
    expect((await auth.authenticate(bearer(token)))?.identity.issuer).toBe(ISSUER)
  })

  it('an unknown kid while the endpoint is failing is 503, not invalid_token (we cannot tell)', async () => {
    const { jwks, auth, clock } = setup({ jwks: { cooldown: 1000 } })
    await auth.authenticate(bearer(await mint()))
    jwks.mode = 'error'
    clock.advance(1001)
    const error = await rejection(async () => auth.authenticate(bearer(await mint({ header: { kid: 'rotated-key' } }))))
    expect(error.code).toBe('temporarily_unavailable')
  })

  it('times out a hanging endpoint', async () => {
    const { jwks, auth } = setup({ jwks: { timeout: 100 } })
    jwks.mode = 'hang'
    const started = Date.now()
    const error = await rejection(async () => auth.authenticate(bearer(await mint())))
    expect(error.status).toBe(503)
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('refuses a JWKS document larger than maxBytes even without Content-Length', async () => {
    const { jwks, auth } = setup({ jwks: { maxBytes: 100_000 } })
    jwks.mode = 'huge'
    const error = await rejection(async () => auth.authenticate(bearer(await mint())))
    expect(error.status).toBe(503)
    expect(String((error.cause as Error).message)).toContain('larger than 100000 bytes')
  })

  it('picks up a rotated key once the cooldown has passed', async () => {
    const rotating = await createIssuer({ algorithms: ['RS256'] })
    try {
      const clock = manualClock(Date.now())
      const jwks = fakeJwks(rotating)
      const auth = createAuthenticator({ issuer: ISSUER, audience: AUDIENCE, jwksUri: JWKS, fetch: jwks.fetch, clock: clock.now })
      await auth.authenticate(bearer(await rotating.mint({ iss: ISSUER, aud: AUDIENCE })))
      await rotating.rotate()
      // Not newer than the keys (iat at the last fetch): no early refetch, the cooldown applies.
      const fresh = await rotating.mint({ iss: ISSUER, aud: AUDIENCE, iat: Math.floor(clock.now() / 1000) })
      expect((await rejection(() => auth.authenticate(bearer(fresh)))).code).toBe('invalid_token')
      clock.advance(30_000)
      expect((await auth.authenticate(bearer(fresh)))?.identity.issuer).toBe(ISSUER)
    } finally {
      await rotating.close()
    }
  })
})

describe('issuer discovery (RFC 8414 §3.1, §3.3, §4, §5)', () => {
  let issuer: LocalIssuer
  beforeAll(async () => {
    issuer = await createIssuer()
  })
  afterAll(() => issuer.close())

  function discoveryFetch(documents: Record<string, unknown>): { fetch: FetchLike; calls: string[] } {
    const calls: string[] = []
    const fetch: FetchLike = async (url) => {
      calls.push(url)
      if (url === JWKS) return Response.json({ keys: issuer.keys.map((key) => key.publicJwk) })
      const document = documents[url]
      return document === undefined ? new Response('not found', { status: 404 }) : Response.json(document)
    }
    return { fetch, calls }
  }

  it('inserts the RFC 8414 well-known between host and path, then falls back to the OpenID location', async () => {
    const tenant = 'https://id.example.com/tenant1/'
    const { fetch, calls } = discoveryFetch({
      'https://id.example.com/tenant1/.well-known/openid-configuration': { issuer: tenant, jwks_uri: JWKS },
    })
    const auth = createAuthenticator({ issuer: tenant, audience: AUDIENCE, fetch })
    const result = await auth.authenticate(bearer(await issuer.mint({ iss: tenant, aud: AUDIENCE })))
    expect(result?.identity.issuer).toBe(tenant)
    expect(calls).toEqual([
      'https://id.example.com/.well-known/oauth-authorization-server/tenant1',
      'https://id.example.com/tenant1/.well-known/openid-configuration',
      JWKS,
    ])
  })

  it('RFC 8414 §3.3: a document naming another issuer is not used (503, never a silent trust)', async () => {
    const { fetch } = discoveryFetch({
      'https://id.example.com/.well-known/oauth-authorization-server': { issuer: 'https://evil.example.com/', jwks_uri: JWKS },
      'https://id.example.com/.well-known/openid-configuration': { issuer: 'https://id.example.com', jwks_uri: JWKS },
    })
    const auth = createAuthenticator({ issuer: ISSUER, audience: AUDIENCE, fetch })
    const error = await rejection(async () => auth.authenticate(bearer(await issuer.mint({ iss: ISSUER, aud: AUDIENCE }))))
    expect(error.status).toBe(503)
    expect((error.cause as Error).message).toContain('issuer is not "https://id.example.com/"')
  })

  it('RFC 8414 §2: a discovered plain-http jwks_uri on a public host is refused', async () => {
    const { fetch } = discoveryFetch({
      'https://id.example.com/.well-known/oauth-authorization-server': { issuer: ISSUER, jwks_uri: 'http://id.example.com/jwks' },
    })
    const auth = createAuthenticator({ issuer: ISSUER, audience: AUDIENCE, fetch })
    const error = await rejection(async () => auth.authenticate(bearer(await issuer.mint({ iss: ISSUER, aud: AUDIENCE }))))
    expect(error.status).toBe(503)
    expect((error.cause as Error).message).toContain('must use https')
  })
})
