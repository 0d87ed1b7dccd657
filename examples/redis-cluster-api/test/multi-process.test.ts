/**
 * Two real API processes (Express and Koa, from dist/) sharing one Redis: what one learns, the
 * other knows. RFC 7009 §2.1 (revocation at the resource server) and RFC 9449 §11.1 (a DPoP
 * proof is used once, "when multiple servers behind a single endpoint" share state).
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createClient } from 'redis'
import { createDpopProof, createIssuer, generateSigningKey, jwkThumbprint, type LocalIssuer } from '@portcullis/testing'
import { startApi, type ApiProcess } from '../src/processes.js'

const ORIGIN = 'https://orders.example.test'

describe('two processes, one Redis', () => {
  let issuer: LocalIssuer
  let express: ApiProcess
  let koa: ApiProcess
  let admin: string
  const prefix = `test-${randomUUID()}`
  beforeAll(async () => {
    issuer = await createIssuer({ audience: ORIGIN })
    const env = { ISSUER: issuer.issuer, AUDIENCE: issuer.audience, ORIGIN, REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', REDIS_PREFIX: prefix, PORT: '0' }
    ;[express, koa] = await Promise.all([startApi('express', env), startApi('koa', env)])
    admin = await issuer.token('revocations:write', { sub: 'ops' })
  })
  afterAll(async () => {
    await Promise.all([express?.stop(), koa?.stop()])
    await issuer?.close()
    const redis = await createClient({ url: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379' }).connect()
    const keys = await redis.keys(`${prefix}:*`)
    if (keys.length > 0) await redis.del(keys)
    await redis.close()
  })

  const get = (api: ApiProcess, headers: Record<string, string>): Promise<Response> => fetch(`http://127.0.0.1:${api.port}/orders`, { headers })
  const revoke = (api: ApiProcess, body: object): Promise<Response> =>
    fetch(`http://127.0.0.1:${api.port}/revocations`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })

  async function refusedWithin(api: ApiProcess, token: string, ms: number): Promise<number> {
    const start = performance.now()
    for (;;) {
      const res = await get(api, { authorization: `Bearer ${token}` })
      if (res.status === 401) {
        expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"')
        return performance.now() - start
      }
      expect(res.status).toBe(200)
      if (performance.now() - start > ms) throw new Error(`still accepted after ${ms} ms`)
    }
  }

  it('a token revoked through the Express process is refused by the Koa process (and stays refused)', async () => {
    const jti = randomUUID()
    const token = await issuer.token('orders:read', { jti })
    expect((await get(express, { authorization: `Bearer ${token}` })).status).toBe(200)
    expect((await get(koa, { authorization: `Bearer ${token}` })).status).toBe(200) // now in Koa's verified-token cache
    expect((await revoke(express, { jti })).status).toBe(204)
    expect((await get(express, { authorization: `Bearer ${token}` })).status).toBe(401)
    // Within the local view's staleness bound at worst; in practice a few milliseconds.
    await refusedWithin(koa, token, 1000)
    for (const api of [express, koa]) expect((await get(api, { authorization: `Bearer ${token}` })).status).toBe(401)
    const unrelated = await issuer.token('orders:read')
    expect((await get(koa, { authorization: `Bearer ${unrelated}` })).status).toBe(200)
  })

  it('a subject revoked through the Koa process is refused by the Express process', async () => {
    const subject = `user-${randomUUID()}`
    const token = await issuer.token('orders:read', { sub: subject, iat: Math.floor(Date.now() / 1000) - 5 })
    expect((await get(express, { authorization: `Bearer ${token}` })).status).toBe(200)
    expect((await revoke(koa, { subject })).status).toBe(204)
    await refusedWithin(express, token, 1000)
  })

  it('a key the Express process saw removed is dropped by the Koa process before its own JWKS refresh', async () => {
    const old = await issuer.token('orders:read')
    for (const api of [express, koa]) expect((await get(api, { authorization: `Bearer ${old}` })).status).toBe(200) // cached in both
    await issuer.rotate({ keepPrevious: false })
    // A token issued after Express last fetched the keys makes it refetch them (RFC 7517 key
    // rotation); iat has a one-second resolution.
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const fresh = await issuer.token('orders:read')
    expect((await get(express, { authorization: `Bearer ${fresh}` })).status).toBe(200)
    expect((await get(express, { authorization: `Bearer ${old}` })).status).toBe(401)
    // Koa's keys are minutes from their own refresh and the token sits in its cache: without
    // the bus it would be accepted until then.
    const ms = await refusedWithin(koa, old, 1000)
    expect(ms).toBeLessThan(1000)
    expect((await get(koa, { authorization: `Bearer ${fresh}` })).status).toBe(200)
  })

  it('a DPoP proof used on one process is a replay on the other', async () => {
    const key = await generateSigningKey('ES256')
    const token = await issuer.token('orders:read', { cnf: { jkt: await jwkThumbprint(key) } })
    for (const [first, second] of [[koa, express], [express, koa]] as const) {
      const proof = createDpopProof({ key, htm: 'GET', htu: `${ORIGIN}/orders`, accessToken: token })
      const headers = { authorization: `DPoP ${token}`, dpop: proof }
      expect((await get(first, headers)).status).toBe(200)
      const replayed = await get(second, headers)
      expect(replayed.status).toBe(401)
      expect(replayed.headers.get('www-authenticate')).toContain('The DPoP proof has already been used')
    }
  })
})
