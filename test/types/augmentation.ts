/**
 * Type tests, checked by `npm run typecheck` (tsc -p tsconfig.test.json), never run: they lock
 * the public types. Each `@ts-expect-error` fails the type-check if the error disappears.
 */
import type { Request } from 'express'
import type { Context } from 'koa'
import type { RequireTokenOptions } from '@portcullis/core'
import { requireScope, requireToken } from '@portcullis/express'
import * as koa from '@portcullis/koa'

declare module '@portcullis/core' {
  interface PortcullisClaims {
    tenant_id?: string
  }
}

export function expressRequest(req: Request): string | undefined {
  const scopes: readonly string[] | undefined = req.auth?.scopes
  void scopes
  // @ts-expect-error tenant_id is declared as a string by the app
  const wrong: number | undefined = req.auth?.claims.tenant_id
  void wrong
  // @ts-expect-error the identity is read-only
  if (req.auth) req.auth.subject = 'mallory'
  return req.auth?.claims.tenant_id
}

export function koaContext(ctx: Context): string | undefined {
  return ctx.state.auth?.subject
}

export const options: RequireTokenOptions = {
  issuer: 'https://id.example.com/',
  audience: 'https://api.example.com',
  // @ts-expect-error `none` is not an algorithm
  algorithms: ['none'],
}

// @ts-expect-error issuer and audience are required
requireToken({ issuer: 'https://id.example.com/' })
// @ts-expect-error match is 'all' or 'any'
requireScope('a', { match: 'some' })
koa.requireScope(['a', 'b'], { match: 'any' })
