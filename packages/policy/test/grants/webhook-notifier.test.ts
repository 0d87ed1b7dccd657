import { afterEach, describe, expect, it } from '@jest/globals'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createGrantService, createWebhookNotifier, type GrantNotification } from '@portcullis/policy'
import { FROZEN, identity } from '../fixtures.js'

interface Hook {
  url: string
  received: { headers: IncomingMessage['headers']; body: GrantNotification }[]
  server: Server
}

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
})

/** A real local webhook receiver; `answer(n)` gives the status of the n-th request (0-based). */
async function hook(answer: (n: number) => number | 'hang' = () => 204): Promise<Hook> {
  const received: Hook['received'] = []
  let n = 0
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const status = answer(n++)
      if (status === 'hang') return
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as GrantNotification })
      res.writeHead(status).end()
    })
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, server }
}

const HOUR = 3_600_000
const alice = identity({ subject: 'alice' })
const bob = identity({ subject: 'bob', claims: { groups: ['dba'] } })

describe('webhook notifier (real local HTTP server)', () => {
  it('POSTs JSON for a pending approval and the decision, without blocking the request', async () => {
    const receiver = await hook()
    const notifier = createWebhookNotifier({ url: receiver.url, headers: { 'x-hook-secret': 's3cret' } })
    const grants = createGrantService({ clock: () => FROZEN, notifier, resources: { r: { actions: ['x'], maxDuration: HOUR, approval: { approvers: { groups: ['dba'] } } } } })
    const request = await grants.request({ identity: alice, resource: 'r', actions: ['x'], justification: 'because', duration: HOUR, urgency: 'LOW' })
    expect(receiver.received).toHaveLength(0) // queued, not awaited by the request
    await grants.approve(request.id, bob)
    await notifier.flush()
    expect(receiver.received.map((r) => r.body.kind)).toEqual(['pending_approval', 'approved', 'granted'])
    expect(receiver.received[0]?.headers).toMatchObject({ 'content-type': 'application/json', 'x-hook-secret': 's3cret' })
    expect(receiver.received[0]?.body.grant).toMatchObject({ id: request.id, justification: 'because', urgency: 'LOW', status: 'pending' })
  })

  it('retries on 5xx and 429, then delivers', async () => {
    const receiver = await hook((n) => (n === 0 ? 503 : n === 1 ? 429 : 200))
    const notifier = createWebhookNotifier({ url: receiver.url, backoff: 1 })
    notifier.notify({ kind: 'expiry_warning', at: new Date(FROZEN).toISOString(), grant: { id: 'g' } as never })
    await notifier.flush()
    expect(receiver.received).toHaveLength(3)
    expect(notifier.dropped).toBe(0)
  })

  it('gives up after the retries, and does not retry a 4xx', async () => {
    const failing = await hook(() => 500)
    const dropped: string[] = []
    const notifier = createWebhookNotifier({ url: failing.url, backoff: 1, retries: 2, onDrop: (_n, reason) => void dropped.push(reason) })
    notifier.notify({ kind: 'expired', at: '', grant: { id: 'g' } as never })
    await notifier.flush()
    expect(failing.received).toHaveLength(3)
    const refusing = await hook(() => 400)
    const other = createWebhookNotifier({ url: refusing.url, backoff: 1 })
    other.notify({ kind: 'expired', at: '', grant: { id: 'g' } as never })
    await other.flush()
    expect(refusing.received).toHaveLength(1)
    expect(dropped).toEqual(['failed'])
  })

  it('times out a hanging receiver', async () => {
    const receiver = await hook((n) => (n === 0 ? 'hang' : 204))
    const notifier = createWebhookNotifier({ url: receiver.url, timeout: 100, backoff: 1 })
    notifier.notify({ kind: 'revoked', at: '', grant: { id: 'g' } as never })
    await notifier.flush()
    expect(receiver.received).toHaveLength(1) // the retry after the timeout
    receiver.server.closeAllConnections()
  })

  it('the queue is bounded: beyond it notifications are dropped, never buffered', async () => {
    const receiver = await hook()
    const notifier = createWebhookNotifier({ url: receiver.url, maxQueue: 2 })
    for (let i = 0; i < 5; i++) notifier.notify({ kind: 'revoked', at: '', grant: { id: `g${i}` } as never })
    await notifier.flush()
    // the first was taken off the queue at once; two more fitted; two were dropped
    expect(receiver.received.map((r) => r.body.grant.id)).toEqual(['g0', 'g1', 'g2'])
    expect(notifier.dropped).toBe(2)
  })

  it.each(['http://example.com/hook', 'ftp://127.0.0.1/x', 'not a url'])('refuses %s', (url) => {
    expect(() => createWebhookNotifier({ url })).toThrow(/url/)
  })
})
