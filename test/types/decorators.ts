/**
 * Type tests of requirePolicy and the decorators, checked by `npm run typecheck`, never run.
 * Each `@ts-expect-error` fails the type-check if the misuse stops being an error.
 */
import type { NextFunction, Request, Response } from 'express'
import type { Context } from 'koa'
import { createPolicyEngine, permit, policy } from '@portcullis/policy'
import { Authorize, RequireAuthentication, RequireScope, requirePolicy } from '@portcullis/express'
import * as koa from '@portcullis/koa'

const engine = createPolicyEngine(policy({ id: 'docs', rules: [permit('all')] }))

// @ts-expect-error the engine's obligation handlers are internal, not part of its public type
export const handlers = engine.obligationHandlers
// @ts-expect-error a rule's condition is opaque: it cannot be evaluated from outside the engine
export const evaluate = permit('x', { when: () => true }).condition?.evaluate
export const source: unknown = permit('x', { when: () => true }).condition?.source

export const route = requirePolicy(engine, { action: 'read', resource: (req) => req.params['id'] })
// @ts-expect-error the action is required
export const noAction = requirePolicy(engine, { resource: (req: Request) => req.params['id'] })
// @ts-expect-error an Express loader receives the request, not a Koa context
export const wrongInput = requirePolicy(engine, { action: 'read', resource: (ctx: Context) => ctx.path })
// @ts-expect-error the engine comes first
export const noEngine = requirePolicy({ action: 'read' })
export const koaRoute = koa.requirePolicy(engine, { action: 'read', resource: (ctx: Context & { params: { id: string } }) => ctx.params.id })

export class ExpressController {
  @RequireScope('documents:write')
  @Authorize(engine, { action: 'update', resource: (req) => req.params['id'] })
  async update(req: Request, res: Response): Promise<void> {
    await Promise.resolve()
    res.json(req.auth?.subject)
  }

  @RequireScope(['a', 'b'], { match: 'any' })
  withNext(_req: Request, _res: Response, next: NextFunction): void {
    next()
  }

  // @ts-expect-error an Express decorator on a Koa-style method
  @RequireScope('documents:read')
  koaStyle(ctx: Context): void {
    void ctx
  }

  // @ts-expect-error decorators apply to methods, not fields
  @RequireScope('documents:read')
  field = 1

  @RequireScope('payments:write')
  @RequireAuthentication({ acr: ['urn:example:mfa'], maxAge: 300 })
  async pay(req: Request, res: Response): Promise<void> {
    await Promise.resolve()
    res.json(req.auth?.acr)
  }

  // @ts-expect-error maxAge is a number of seconds
  @RequireAuthentication({ maxAge: '5m' })
  stale(_req: Request, res: Response): void {
    res.end()
  }

  // @ts-expect-error RequireAuthentication needs its options
  @RequireAuthentication()
  bare(_req: Request, res: Response): void {
    res.end()
  }

  // @ts-expect-error an Express decorator on a Koa-style method
  @RequireAuthentication({ acr: 'urn:example:mfa' })
  koaPay(ctx: Context): void {
    void ctx
  }
}

export class KoaController {
  @koa.RequireScope('documents:write')
  @koa.Authorize(engine, { action: 'update', resource: (ctx) => ctx.path })
  async update(ctx: Context): Promise<void> {
    await Promise.resolve()
    ctx.body = ctx.state.auth?.subject
  }

  // @ts-expect-error a Koa decorator on an Express-style method
  @koa.Authorize(engine, { action: 'read' })
  expressStyle(req: Request, res: Response): void {
    res.json(req.path)
  }

  @koa.RequireScope('payments:write')
  @koa.RequireAuthentication({ acr: ['urn:example:mfa'], maxAge: 300 })
  async pay(ctx: Context): Promise<void> {
    await Promise.resolve()
    ctx.body = ctx.state.auth?.acr
  }

  // @ts-expect-error a Koa decorator on an Express-style method
  @koa.RequireAuthentication({ maxAge: 60 })
  expressPay(req: Request, res: Response): void {
    res.json(req.path)
  }

  // @ts-expect-error acr is a string or an array of strings
  @koa.RequireAuthentication({ acr: 3 })
  weak(ctx: Context): void {
    ctx.body = null
  }
}

export class KoaRouterController {
  @koa.Authorize(engine, { action: 'read', resource: (ctx: Context & { params: { id: string } }) => ctx.params.id })
  show(ctx: Context & { params: { id: string } }): void {
    ctx.body = ctx.params.id
  }
}
