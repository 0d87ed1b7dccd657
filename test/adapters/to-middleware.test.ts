// The adapters' one function that turns a requirement into middleware: a synchronous
// requirement (scopes, step-up) is answered before the middleware returns, with no promise hop;
// only an asynchronous one (a policy) returns a promise. Fake framework objects: the HTTP
// behaviour is covered by the conformance suite.
import { describe, expect, it } from '@jest/globals'
import type { Identity } from '@portcullis/core'
import { createPolicyEngine, permit, policy } from '@portcullis/policy'
import * as express from '@portcullis/express'
import * as koa from '@portcullis/koa'
import * as fastify from '@portcullis/fastify'

const identity = { subject: 'u', issuer: 'i', scopes: ['orders:read'], claims: {}, audience: [], actor: [] } as unknown as Identity
const engine = createPolicyEngine(policy({ id: 'p', rules: [permit('all')] }))

function expressReq(auth: Identity | undefined): never {
  return { method: 'GET', originalUrl: '/orders', url: '/orders', headers: {}, rawHeaders: [], socket: {}, auth } as never
}
function koaCtx(auth: Identity | undefined): { ctx: never; headers: Record<string, string> } {
  const headers: Record<string, string> = {}
  const ctx = { method: 'GET', originalUrl: '/orders', url: '/orders', req: { headers: {}, rawHeaders: [], socket: {} }, request: {}, state: { auth }, set: (n: string, v: string) => (headers[n] = v) }
  return { ctx: ctx as never, headers }
}

describe('toMiddleware (Express)', () => {
  it('a met scope requirement calls next() synchronously and returns no promise', () => {
    const calls: unknown[][] = []
    const result = express.requireScope('orders:read')(expressReq(identity), {} as never, (...args: unknown[]) => void calls.push(args))
    expect(calls).toEqual([[]])
    expect(result).toBeUndefined()
  })

  it('a refused scope requirement calls next(err) synchronously with the PortcullisError', () => {
    const calls: unknown[][] = []
    express.requireScope('orders:write')(expressReq(identity), {} as never, (...args: unknown[]) => void calls.push(args))
    expect(calls).toHaveLength(1)
    expect(calls[0]?.[0]).toMatchObject({ code: 'insufficient_scope', status: 403 })
    express.requireAuthentication({ maxAge: 60 })(expressReq(undefined), {} as never, (...args: unknown[]) => void calls.push(args))
    expect(calls[1]?.[0]).toMatchObject({ code: 'credentials_required', status: 401 })
  })

  it('a policy requirement answers through a promise', async () => {
    const calls: unknown[][] = []
    const result = express.requirePolicy(engine, { action: 'read' })(expressReq(identity), { setHeader: () => undefined } as never, (...args: unknown[]) => void calls.push(args))
    expect(calls).toEqual([])
    await result
    expect(calls).toEqual([[]])
  })
})

describe('toMiddleware (Koa)', () => {
  it('a met scope requirement calls next() synchronously, returning what next returns', () => {
    const { ctx } = koaCtx(identity)
    const done = Promise.resolve('downstream')
    expect(koa.requireScope('orders:read')(ctx, () => done)).toBe(done)
  })

  it('a refused scope requirement answers a promise rejected with the PortcullisError, without calling next', async () => {
    const { ctx } = koaCtx(identity)
    let called = false
    await expect(koa.requireScope('orders:write')(ctx, async () => void (called = true))).rejects.toMatchObject({ code: 'insufficient_scope', status: 403 })
    expect(called).toBe(false)
  })

  it('a policy requirement answers through a promise', async () => {
    const { ctx } = koaCtx(identity)
    let called = false
    const result = koa.requirePolicy(engine, { action: 'read' })(ctx, async () => void (called = true))
    expect(called).toBe(false)
    await result
    expect(called).toBe(true)
  })
})

function fastifyRequest(auth: Identity | undefined): never {
  return { method: 'GET', originalUrl: '/orders', url: '/orders', raw: { headers: {}, rawHeaders: [], socket: {} }, auth } as never
}

describe('toMiddleware (Fastify)', () => {
  it('a met scope requirement calls done() synchronously and returns nothing (not an async hook)', () => {
    const calls: unknown[][] = []
    const result: unknown = fastify.requireScope('orders:read')(fastifyRequest(identity), {} as never, (...args: unknown[]) => void calls.push(args))
    expect(calls).toEqual([[]])
    expect(result).toBeUndefined()
  })

  it('a refused scope requirement calls done(err) synchronously with the PortcullisError', () => {
    const calls: unknown[][] = []
    fastify.requireScope('orders:write')(fastifyRequest(identity), {} as never, (...args: unknown[]) => void calls.push(args))
    expect(calls).toHaveLength(1)
    expect(calls[0]?.[0]).toMatchObject({ code: 'insufficient_scope', status: 403 })
  })

  it('a policy requirement calls done() later, and the hook still returns nothing', async () => {
    const calls: unknown[][] = []
    let resolve: () => void = () => undefined
    const called = new Promise<void>((r) => (resolve = r))
    const done = (...args: unknown[]): void => {
      calls.push(args)
      resolve()
    }
    const result: unknown = fastify.requirePolicy(engine, { action: 'read' })(fastifyRequest(identity), { header: () => undefined } as never, done)
    expect(result).toBeUndefined()
    expect(calls).toEqual([])
    await called
    expect(calls).toEqual([[]])
  })
})
