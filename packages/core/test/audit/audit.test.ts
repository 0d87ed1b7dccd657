import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createAuthenticator, createScopeRequirement, type AuditEvent } from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { bearer, rejection } from '../helpers.js'

describe('audit events (OWASP logging vocabulary)', () => {
  let issuer: LocalIssuer
  beforeAll(async () => {
    issuer = await createIssuer()
  })
  afterAll(() => issuer.close())

  it('emits one event per accept and reject, with OWASP names, and never the token', async () => {
    const events: AuditEvent[] = []
    const auth = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, audit: (e) => void events.push(e) })
    const good = await issuer.mint({ sub: 'alice', scope: 'a' })
    const expired = await issuer.mint({ sub: 'alice' }, { expiresIn: -60 })
    const request = bearer(good, { url: '/orders?access_token=secret&page=2', headers: { authorization: `Bearer ${good}`, 'x-request-id': 'req-1', 'user-agent': 'jest' } })
    const result = await auth.authenticate(request)
    await rejection(() => auth.authenticate(bearer(expired)))
    await rejection(() => auth.authenticate({ method: 'GET', url: '/', headers: { authorization: 'Bearer a b' } }))
    await rejection(() => auth.authenticate({ method: 'GET', url: '/', headers: {} }))
    const scope = createScopeRequirement('b')
    scope.check(result?.identity, request, auth.context)
    createScopeRequirement('a').check(result?.identity, request, auth.context)

    expect(events.map((e) => [e.event, e.level, e.outcome, e.reason])).toEqual([
      ['authn_login_success', 'INFO', 'success', 'accepted'],
      ['authn_login_fail', 'WARN', 'failure', 'expired'],
      ['input_validation_fail', 'WARN', 'failure', 'malformed'],
      ['authn_login_fail', 'WARN', 'failure', 'missing'],
      ['authz_fail', 'CRITICAL', 'failure', 'scope'],
      ['authz_success', 'INFO', 'success', 'scope'],
    ])
    const first = events[0] as AuditEvent
    expect(first).toMatchObject({
      user_id: 'alice', client_id: 'test-client', issuer: issuer.issuer, correlation_id: 'req-1',
      request_method: 'GET', request_uri: '/orders', useragent: 'jest',
    })
    expect(first.token_fingerprint).toMatch(/^[0-9a-f]{16}$/)
    expect(new Date(first.datetime).toISOString()).toBe(first.datetime)
    expect(events[4]?.required_scopes).toEqual(['b'])
    const serialised = JSON.stringify(events)
    for (const token of [good, expired]) {
      expect(serialised).not.toContain(token)
      expect(serialised).not.toContain(token.split('.')[2])
    }
    expect(serialised).not.toContain('secret')
  })

  it('takes the trace id from traceparent, ignores malformed ids, and survives a failing sink', async () => {
    const events: AuditEvent[] = []
    const sinks = [
      (e: AuditEvent) => void events.push(e),
      () => {
        throw new Error('sink down')
      },
      () => Promise.reject(new Error('async sink down')),
    ]
    const token = await issuer.mint()
    for (const audit of sinks) {
      const auth = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, audit })
      const result = await auth.authenticate(bearer(token, {
        headers: { authorization: `Bearer ${token}`, traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'x-request-id': 'bad id\n' },
      }))
      expect(result?.identity.subject).toBe('user-123')
    }
    expect(events[0]?.correlation_id).toBe('4bf92f3577b34da6a3ce929d0e0e4736')
  })
})
