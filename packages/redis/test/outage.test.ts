/**
 * Outages against a redis-server of our own: killed, paused (SIGSTOP) and started again. Checks
 * fail closed with 503 within the command timeout (never a hang), nothing cached before the
 * outage is trusted after it, and service comes back by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import express from 'express'
import request from 'supertest'
import { createDpopProof, createIssuer, generateSigningKey, jwkThumbprint, type IssuerKey, type LocalIssuer } from '@portcullis/testing'
import { requireToken } from '@portcullis/express'
import { createRedisReplayStore, createRedisRevocationStore, type RedisReplayStore, type RedisRevocationStore } from '@portcullis/redis'
import { eventually, TestRedisServer, uniquePrefix } from './support/redis-server.js'

const ORIGIN = 'https://api.example.test'
const COMMAND_TIMEOUT = 200
const MAX_STALENESS = 400
// Slack for a loaded test machine: bounds prove "no hang", not speed.
const SLACK = 500

describe('Redis outages (fail closed, bounded, recovering)', () => {
  let redis: TestRedisServer
  let issuer: LocalIssuer
  let revocations: RedisRevocationStore
  let other: RedisRevocationStore
  let replay: RedisReplayStore
  let app: express.Express
  let clientKey: IssuerKey
  beforeAll(async () => {
    redis = await TestRedisServer.start()
    issuer = await createIssuer({ audience: ORIGIN })
    const prefix = uniquePrefix()
    const localView = { heartbeatInterval: 100, maxStaleness: MAX_STALENESS }
    revocations = createRedisRevocationStore({ url: redis.url, prefix, commandTimeout: COMMAND_TIMEOUT, localView })
    other = createRedisRevocationStore({ url: redis.url, prefix, commandTimeout: COMMAND_TIMEOUT, localView })
    replay = createRedisReplayStore({ url: redis.url, prefix, commandTimeout: COMMAND_TIMEOUT })
    await Promise.all([revocations.ready(), other.ready(), replay.ready()])
    clientKey = await generateSigningKey('ES256')
    app = express()
    app.use(requireToken({ issuer: issuer.issuer, audience: issuer.audience, revocation: { store: revocations }, dpop: { origin: ORIGIN, replayStore: replay } }))
    app.get('/orders', (_req, res) => void res.json([]))
  })
  afterAll(async () => {
    await Promise.all([revocations.close(), other.close(), replay.close()])
    await redis.stop()
    await issuer.close()
  })

  async function timed(send: () => Promise<request.Response>): Promise<{ status: number; ms: number; headers: Record<string, string> }> {
    const start = performance.now()
    const res = await send()
    return { status: res.status, ms: performance.now() - start, headers: res.headers as Record<string, string> }
  }
  const bearer = (token: string) => () => request(app).get('/orders').set('Authorization', `Bearer ${token}`)
  const dpop = async (): Promise<() => Promise<request.Response>> => {
    const token = await issuer.token('orders:read', { cnf: { jkt: await jwkThumbprint(clientKey) } })
    const proof = createDpopProof({ key: clientKey, htm: 'GET', htu: `${ORIGIN}/orders`, accessToken: token })
    return () => request(app).get('/orders').set('Authorization', `DPoP ${token}`).set('DPoP', proof)
  }

  it('Redis killed: 503 at once (no offline queue), then recovery when it returns', async () => {
    const token = await issuer.token('orders:read')
    expect((await timed(bearer(token))).status).toBe(200)
    await redis.stop()
    // The local view drops itself when its connection goes; then checks ask Redis, which is gone.
    await eventually(() => revocations.localViewState !== 'current', 1000, 'view dropped')
    const down = await timed(bearer(token))
    expect(down.status).toBe(503)
    expect(down.headers['retry-after']).toBe('1')
    expect(down.headers['www-authenticate']).toBeUndefined() // an outage is not invalid_token
    expect(down.ms).toBeLessThan(COMMAND_TIMEOUT + SLACK)
    const proof = await timed(await dpop())
    expect(proof.status).toBe(503)
    // Refused at once by the client (no offline queue), not after waiting for the deadline.
    const query = { issuer: issuer.issuer, tokenHash: 'h', jti: 'j' }
    await expect(revocations.check(query)).rejects.toThrow(/offline|closed/i)
    await expect(replay.remember('k', Date.now() + 1000)).rejects.toThrow(/offline|closed/i)
    await redis.restart()
    await eventually(async () => (await bearer(token)()).status === 200, 5000, 'recovery')
    await eventually(() => revocations.localViewState === 'current', 5000, 'view current again')
    expect((await timed(await dpop())).status).toBe(200)
  })

  it('Redis paused (SIGSTOP): DPoP 503 within the timeout, revocation 503 once the view is stale, never a hang', async () => {
    const token = await issuer.token('orders:read')
    expect((await timed(bearer(token))).status).toBe(200)
    redis.pause()
    try {
      const proof = await timed(await dpop())
      expect(proof.status).toBe(503)
      expect(proof.ms).toBeLessThan(COMMAND_TIMEOUT + SLACK)
      // The view proves it is current with heartbeats; without them it stops being trusted
      // within maxStaleness, and the direct check then times out.
      const start = performance.now()
      let last = await timed(bearer(token))
      while (last.status === 200 && performance.now() - start < 3000) last = await timed(bearer(token))
      expect(last.status).toBe(503)
      expect(performance.now() - start).toBeLessThan(MAX_STALENESS + COMMAND_TIMEOUT + 2 * SLACK)
      const again = await timed(bearer(token))
      expect(again.status).toBe(503)
      expect(again.ms).toBeLessThan(COMMAND_TIMEOUT + SLACK)
    } finally {
      redis.resume()
    }
    await eventually(async () => (await bearer(token)()).status === 200, 5000, 'recovery after SIGCONT')
    expect((await timed(await dpop())).status).toBe(200)
  })

  it('a store created while Redis is down fails closed, then works once Redis is up', async () => {
    const late = await TestRedisServer.start()
    await late.stop()
    const store = createRedisRevocationStore({ url: late.url, prefix: uniquePrefix(), commandTimeout: COMMAND_TIMEOUT, localView: { heartbeatInterval: 100, maxStaleness: MAX_STALENESS } })
    const dpopStore = createRedisReplayStore({ url: late.url, prefix: uniquePrefix(), commandTimeout: COMMAND_TIMEOUT })
    try {
      await expect(store.check({ issuer: issuer.issuer, tokenHash: 'h', jti: 'j' })).rejects.toThrow()
      await expect(dpopStore.remember('k', Date.now() + 1000)).rejects.toThrow()
      await late.restart()
      await store.ready(5000)
      expect(store.localViewState).toBe('current')
      await store.revokeToken({ jti: 'j' })
      expect(await store.check({ issuer: issuer.issuer, tokenHash: 'h', jti: 'j' })).toBe('jti')
      await eventually(async () => (await dpopStore.remember('k', Date.now() + 1000).catch(() => undefined)) === true, 5000, 'replay store up')
    } finally {
      await Promise.all([store.close(), dpopStore.close()])
      await late.stop()
    }
  })

  it('a revocation made while another process had lost its subscription is never missed', async () => {
    // Heartbeats far apart, so that only the reported disconnect can explain a quick refusal.
    const localView = { heartbeatInterval: 1000, maxStaleness: 3000 }
    const prefix = uniquePrefix()
    const writer = createRedisRevocationStore({ url: redis.url, prefix, commandTimeout: COMMAND_TIMEOUT, localView })
    const reader = createRedisRevocationStore({ url: redis.url, prefix, commandTimeout: COMMAND_TIMEOUT, localView })
    try {
      await Promise.all([writer.ready(), reader.ready()])
      // Cut every subscriber connection, then revoke at once through the writer.
      const killer = (await import('redis')).createClient({ url: redis.url })
      await killer.connect()
      await killer.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub'])
      await killer.close()
      const query = { issuer: issuer.issuer, tokenHash: 'h', jti: 'revoked-during-cut' }
      await writer.revokeToken({ jti: 'revoked-during-cut' })
      // The reader drops its view as soon as node-redis reports the closed subscriber
      // connection, well before the next heartbeat (1 s) or maxStaleness (3 s): the bound is
      // that detection time. From then on it may answer only 'jti': from Redis while its view
      // reloads, then locally.
      await eventually(async () => (await reader.check(query)) === 'jti', 150, 'revocation seen after the cut')
      const end = performance.now() + 1500
      while (performance.now() < end) {
        expect(await reader.check(query)).toBe('jti')
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      await eventually(() => reader.localViewState === 'current', 5000, 'view current again')
      expect(await reader.check(query)).toBe('jti')
    } finally {
      await Promise.all([writer.close(), reader.close()])
    }
  })
})
