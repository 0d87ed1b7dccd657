import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'

async function introspect(issuer: LocalIssuer, form: Record<string, string>, authorization?: string) {
  const res = await fetch(issuer.introspectionEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization === undefined ? {} : { authorization }) },
    body: new URLSearchParams(form).toString(),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`
}

describe('local issuer: introspection endpoint (RFC 7662)', () => {
  let issuer: LocalIssuer
  const NOW = Date.UTC(2030, 0, 1)
  beforeAll(async () => {
    issuer = await createIssuer({ clock: () => NOW })
  })
  afterAll(() => issuer.close())

  it('answers registered opaque tokens as active with their members, and unknown or revoked ones as inactive', async () => {
    const { clientId, clientSecret } = issuer.introspectionClient
    const token = issuer.opaqueToken({ scope: 'a b' })
    expect(token).not.toContain('.')
    const active = await introspect(issuer, { token }, basic(clientId, clientSecret))
    expect(active).toMatchObject({ status: 200, body: { active: true, scope: 'a b', iss: issuer.issuer, exp: NOW / 1000 + 300 } })
    expect((await introspect(issuer, { token: 'unknown' }, basic(clientId, clientSecret))).body).toEqual({ active: false })
    expect(issuer.revokeOpaqueToken(token)).toBe(true)
    expect((await introspect(issuer, { token }, basic(clientId, clientSecret))).body).toEqual({ active: false })
    const expired = issuer.opaqueToken({}, { expiresIn: -1 })
    expect((await introspect(issuer, { token: expired, client_id: clientId, client_secret: clientSecret })).body).toEqual({ active: false })
  })

  it('RFC 7662 §2.1: requires client authentication and refuses two methods at once', async () => {
    const { clientId, clientSecret } = issuer.introspectionClient
    const token = issuer.opaqueToken()
    expect((await introspect(issuer, { token })).status).toBe(401)
    expect((await introspect(issuer, { token }, basic(clientId, 'wrong'))).status).toBe(401)
    expect((await introspect(issuer, { token, client_secret: clientSecret }, basic(clientId, clientSecret))).status).toBe(401)
    expect(issuer.introspectionCalls.at(-1)).toEqual({ clientAuth: 'invalid', tokenTypeHint: undefined, hasToken: true })
  })

  it('counts calls and supports failure injection', async () => {
    issuer.resetStats()
    issuer.setIntrospectionBehaviour('error')
    const { clientId, clientSecret } = issuer.introspectionClient
    expect((await introspect(issuer, { token: 'x' }, basic(clientId, clientSecret))).status).toBe(500)
    issuer.setIntrospectionBehaviour('ok')
    expect(issuer.stats.introspection).toBe(1)
    expect((await fetch(issuer.introspectionEndpoint)).status).toBe(405)
  })
})
