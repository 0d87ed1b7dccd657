import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createAuthenticator, type AuditEvent, type RequireTokenOptions } from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { bearer, manualClock, rejection } from '../helpers.js'

const NOW = Date.UTC(2030, 0, 15, 12, 0, 0)

describe('introspection guard: unknown tokens per caller', () => {
  let issuer: LocalIssuer
  const clock = manualClock(NOW)
  beforeAll(async () => {
    issuer = await createIssuer({ clock: clock.now })
  })
  afterAll(() => issuer.close())

  function options(guard: unknown, rest: Partial<RequireTokenOptions> = {}): RequireTokenOptions {
    issuer.resetStats()
    issuer.setIntrospectionBehaviour('ok')
    return {
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwksUri: issuer.jwksUri,
      clock: clock.now,
      introspection: { endpoint: issuer.introspectionEndpoint, ...issuer.introspectionClient, guard: guard as never },
      ...rest,
    }
  }

  const from = (token: string, remoteAddress: string, headers: Record<string, string> = {}) =>
    bearer(token, { remoteAddress, headers: { authorization: `Bearer ${token}`, ...headers } })

  it('over the limit, a made-up token is answered 429 with Retry-After without calling the AS, audited; other callers are not affected', async () => {
    const events: AuditEvent[] = []
    const auth = createAuthenticator({ ...options({ points: 3, duration: 60 }), audit: (event) => void events.push(event) })
    for (let i = 0; i < 3; i++) expect((await rejection(() => auth.authenticate(from(`made-up-${i}`, '192.0.2.1')))).code).toBe('invalid_token')
    expect(issuer.stats.introspection).toBe(3)
    events.length = 0
    const error = await rejection(() => auth.authenticate(from('made-up-3', '192.0.2.1')))
    expect({ code: error.code, status: error.status, reason: error.reason, headers: error.headers }).toEqual({
      code: 'rate_limited',
      status: 429,
      reason: 'introspection_guard',
      headers: { 'Retry-After': '60' },
    })
    expect(issuer.stats.introspection).toBe(3)
    expect(events.map((e) => [e.event, e.outcome, e.reason, e.source_ip])).toEqual([['excess_rate_limit_exceeded', 'failure', 'introspection_guard', '192.0.2.1']])
    // A known (negatively cached) token costs nothing and is still answered 401.
    expect((await rejection(() => auth.authenticate(from('made-up-0', '192.0.2.1')))).code).toBe('invalid_token')
    // Another caller has its own allowance; the window ends after `duration`.
    expect((await rejection(() => auth.authenticate(from('made-up-9', '192.0.2.2')))).code).toBe('invalid_token')
    clock.advance(60_000)
    expect((await rejection(() => auth.authenticate(from('made-up-4', '192.0.2.1')))).code).toBe('invalid_token')
  })

  it('active tokens are given back: a caller with real tokens never uses up the guard', async () => {
    const auth = createAuthenticator(options({ points: 1, duration: 60 }))
    for (let i = 0; i < 3; i++) expect((await auth.authenticate(from(issuer.opaqueToken({ sub: `u${i}` }), '192.0.2.3')))?.identity.subject).toBe(`u${i}`)
    expect((await rejection(() => auth.authenticate(from('made-up', '192.0.2.3')))).code).toBe('invalid_token')
    expect((await rejection(() => auth.authenticate(from('made-up-2', '192.0.2.3')))).code).toBe('rate_limited')
  })

  it('counts the client behind a trusted proxy, and ignores X-Forwarded-For from anybody else', async () => {
    const auth = createAuthenticator(options({ points: 1, duration: 60 }, { trustedProxies: ['10.0.0.0/8'] }))
    expect((await rejection(() => auth.authenticate(from('a', '10.0.0.2', { 'x-forwarded-for': '203.0.113.1' })))).code).toBe('invalid_token')
    expect((await rejection(() => auth.authenticate(from('b', '10.0.0.2', { 'x-forwarded-for': '203.0.113.2' })))).code).toBe('invalid_token')
    expect((await rejection(() => auth.authenticate(from('c', '10.0.0.3', { 'x-forwarded-for': '198.51.100.1, 203.0.113.1' })))).code).toBe('rate_limited')
    expect((await rejection(() => auth.authenticate(from('d', '192.0.2.5', { 'x-forwarded-for': '203.0.113.9' })))).code).toBe('invalid_token')
    expect((await rejection(() => auth.authenticate(from('e', '192.0.2.5', { 'x-forwarded-for': '203.0.113.8' })))).code).toBe('rate_limited')
  })

  it('is on by default (100 per 60 s) and off with false; bad values are refused at creation', async () => {
    const on = createAuthenticator(options(undefined))
    for (let i = 0; i < 100; i++) await rejection(() => on.authenticate(from(`x${i}`, '192.0.2.7')))
    expect((await rejection(() => on.authenticate(from('x100', '192.0.2.7')))).code).toBe('rate_limited')
    const off = createAuthenticator(options(false))
    for (let i = 0; i < 101; i++) expect((await rejection(() => off.authenticate(from(`y${i}`, '192.0.2.7')))).code).toBe('invalid_token')
    for (const bad of [{ points: 0 }, { duration: 3601 }, { limit: 1 }, 'on', null]) {
      expect(() => createAuthenticator(options(bad))).toThrow(expect.objectContaining({ code: 'invalid_configuration' }))
    }
  })
})
