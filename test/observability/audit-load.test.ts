/**
 * Load: a slow or blocked audit sink never delays a request. Requests run over real HTTP
 * while the sink takes a second per event (or never answers); every request must finish well
 * under that second, and the events that did not fit the buffer are counted as dropped.
 */
import http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import express from 'express'
import client from 'prom-client'
import { createAuditPipeline, createMetrics, type AuditPipeline } from '@portcullis/core'
import { requireScope, requireToken } from '@portcullis/express'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'

const SINK_DELAY_MS = 1000

async function serve(pipeline: AuditPipeline, issuer: LocalIssuer): Promise<http.Server> {
  const app = express()
  app.use(requireToken({ issuer: issuer.issuer, audience: issuer.audience, audit: pipeline }))
  app.get('/orders', requireScope('orders:read'), (_req, res) => void res.json({ ok: true }))
  const server = http.createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return server
}

/** Sends `total` requests, `concurrency` at a time, on keep-alive connections; returns each latency in ms. */
async function load(server: http.Server, token: string, total: number, concurrency: number): Promise<{ latencies: number[]; statuses: number[] }> {
  const { port } = server.address() as { port: number }
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency })
  const latencies: number[] = []
  const statuses: number[] = []
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const started = performance.now()
      const req = http.get({ host: '127.0.0.1', port, path: '/orders', agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
        res.resume()
        res.on('end', () => {
          latencies.push(performance.now() - started)
          statuses.push(res.statusCode ?? 0)
          resolve()
        })
      })
      req.on('error', reject)
    })
  let sent = 0
  const worker = async (): Promise<void> => {
    while (sent < total) {
      sent++
      await one()
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  agent.destroy()
  return { latencies, statuses }
}

describe('audit under load', () => {
  let issuer: LocalIssuer
  beforeAll(async () => {
    issuer = await createIssuer()
  })
  afterAll(() => issuer.close())

  it.each([
    ['slow', () => new Promise<void>((resolve) => setTimeout(resolve, SINK_DELAY_MS).unref())],
    ['blocked', () => new Promise<void>(() => undefined)],
  ])('a %s sink never delays a request; what does not fit the buffer is dropped and counted', async (_kind, sink) => {
    const registry = new client.Registry()
    const metrics = createMetrics({ client, registry })
    let calls = 0
    const pipeline = createAuditPipeline({
      sinks: [
        () => {
          calls++
          return sink()
        },
      ],
      bufferSize: 50,
      sinkTimeout: 30_000,
      metrics,
    })
    const server = await serve(pipeline, issuer)
    try {
      const token = await issuer.mint({ scope: 'orders:read' })
      const total = 1000
      const { latencies, statuses } = await load(server, token, total, 10)
      expect(statuses.every((status) => status === 200)).toBe(true)
      expect(latencies).toHaveLength(total)
      // Each request makes two events (token accepted, scope granted). Were the sink on the
      // request path, one request would take at least SINK_DELAY_MS.
      expect(Math.max(...latencies)).toBeLessThan(SINK_DELAY_MS)
      const stats = pipeline.stats()
      expect(stats.queued + stats.dropped).toBe(2 * total)
      expect(stats.queued).toBeLessThanOrEqual(50 + calls)
      expect(stats.dropped).toBeGreaterThan(2 * total - 100)
      const dropped = (await registry.getMetricsAsJSON()).find((m) => m.name === 'portcullis_audit_events_dropped_total')
      expect(dropped?.values[0]?.value).toBe(stats.dropped)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
