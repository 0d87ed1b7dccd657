/**
 * The shared introspection cache through Redis outages, against a redis-server of our own: killed,
 * paused (SIGSTOP) and started again. A cache is an optimisation: requests are answered by the
 * authorization server meanwhile (200 or 401, never a 500 or a 503 of Redis), within the command
 * timeout, and the sharing comes back by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import express from 'express'
import request from 'supertest'
import client from 'prom-client'
import { createMetrics, type PortcullisMetrics } from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { requireToken } from '@portcullis/express'
import { createRedisIntrospectionStore, type RedisIntrospectionStore } from '@portcullis/redis'
import { eventually, TestRedisServer, uniquePrefix } from './support/redis-server.js'

const COMMAND_TIMEOUT = 200
// Slack for a loaded test machine: bounds prove "no hang", not speed.
const SLACK = 800

describe('Redis introspection store outages (the AS answers, bounded, recovering)', () => {
  let redis: TestRedisServer
  let issuer: LocalIssuer
  let store: RedisIntrospectionStore
  let otherStore: RedisIntrospectionStore
  let app: express.Express
  let other: express.Express
  const registry = new client.Registry()
  let metrics: PortcullisMetrics
  beforeAll(async () => {
    redis = await TestRedisServer.start()
    issuer = await createIssuer()
    const prefix = uniquePrefix()
    store = createRedisIntrospectionStore({ url: redis.url, prefix, commandTimeout: COMMAND_TIMEOUT })
    otherStore = createRedisIntrospectionStore({ url: redis.url, prefix, commandTimeout: COMMAND_TIMEOUT })
    await Promise.all([store.ready(), otherStore.ready()])
    metrics = createMetrics({ client, registry })
    const server = (introspectionStore: RedisIntrospectionStore, withMetrics: boolean): express.Express => {
      const api = express()
      api.use(requireToken({
        issuer: issuer.issuer,
        audience: issuer.audience,
        jwksUri: issuer.jwksUri,
        ...(withMetrics ? { metrics } : {}),
        introspection: { endpoint: issuer.introspectionEndpoint, ...issuer.introspectionClient, cache: { store: introspectionStore, storeTimeout: 1000 } },
      }))
      api.get('/orders', (_req, res) => void res.json([]))
      return api
    }
    app = server(store, true)
    other = server(otherStore, false)
  })
  afterAll(async () => {
    await Promise.all([store.close(), otherStore.close()])
    await redis.stop()
    await issuer.close()
  })

  async function timed(api: express.Express, token: string): Promise<{ status: number; ms: number }> {
    const start = performance.now()
    const res = await request(api).get('/orders').set('Authorization', `Bearer ${token}`)
    return { status: res.status, ms: performance.now() - start }
  }

  async function storeErrors(): Promise<number> {
    const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'portcullis_store_errors_total')
    const series = (metric?.values as Array<{ labels: Record<string, string>; value: number }> | undefined)?.find((v) => v.labels['store'] === 'introspection')
    return series?.value ?? 0
  }

  it('shared while Redis is up: the second process does not call the AS', async () => {
    issuer.resetStats()
    const token = issuer.opaqueToken({}, { expiresIn: 3600 })
    expect((await timed(app, token)).status).toBe(200)
    await eventually(async () => {
      const before = issuer.stats.introspection
      const status = (await timed(other, token)).status
      return status === 200 && issuer.stats.introspection === before
    }, 2000, 'answer shared')
  })

  it('Redis killed: the AS answers at once (200 and 401, never 500/503), counted; sharing comes back after restart', async () => {
    await redis.stop()
    issuer.resetStats()
    const errors = await storeErrors()
    const token = issuer.opaqueToken({}, { expiresIn: 3600 })
    const up = await timed(app, token)
    expect(up.status).toBe(200)
    expect(up.ms).toBeLessThan(COMMAND_TIMEOUT + SLACK)
    const unknown = await timed(app, 'made-up-during-outage')
    expect(unknown.status).toBe(401)
    expect(issuer.stats.introspection).toBe(2)
    expect(await storeErrors()).toBeGreaterThan(errors)

    await redis.restart()
    await eventually(async () => {
      const token = issuer.opaqueToken({}, { expiresIn: 3600 })
      const before = issuer.stats.introspection
      await timed(app, token)
      // The answer is written in the background.
      await new Promise((resolve) => setTimeout(resolve, 20))
      await timed(other, token)
      return issuer.stats.introspection === before + 1
    }, 10_000, 'sharing again')
  })

  it('Redis paused (SIGSTOP, no reset): each request waits at most the command timeout, then the AS answers', async () => {
    redis.pause()
    try {
      issuer.resetStats()
      const token = issuer.opaqueToken({}, { expiresIn: 3600 })
      const paused = await timed(app, token)
      expect(paused.status).toBe(200)
      expect(paused.ms).toBeLessThan(COMMAND_TIMEOUT + SLACK)
      expect(paused.ms).toBeGreaterThanOrEqual(COMMAND_TIMEOUT - 20)
      expect((await timed(other, token)).status).toBe(200)
      expect(issuer.stats.introspection).toBe(2)
      // The local cache still answers without Redis or the AS.
      const cached = await timed(app, token)
      expect(cached.status).toBe(200)
      expect(cached.ms).toBeLessThan(COMMAND_TIMEOUT)
      expect(issuer.stats.introspection).toBe(2)
    } finally {
      redis.resume()
    }
  })
})
