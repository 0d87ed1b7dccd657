import { DEFAULT_AUTH_CONTEXT, type AuthContext } from '@portcullis/core'
import type { Context } from 'koa'

// What requireToken shares with later middleware of the same request (realm, audit sink), kept on
// the request under a registered symbol: when both the ESM and the CommonJS build of this
// adapter are loaded (an ESM app with a CommonJS plugin), middleware of one still finds the
// context that requireToken of the other stored. A symbol property rather than a WeakMap: a
// WeakMap entry per request costs an insertion and ephemeron work at every garbage collection.
const CONTEXT = Symbol.for('portcullis.koa.context.v1')

export function setContext(ctx: Context, context: AuthContext): void {
  (ctx as unknown as Record<symbol, AuthContext | undefined>)[CONTEXT] = context
}

/** The context of the request's `requireToken()`, or the core's default when none ran. */
export function getContext(ctx: Context): AuthContext {
  return (ctx as unknown as Record<symbol, AuthContext | undefined>)[CONTEXT] ?? DEFAULT_AUTH_CONTEXT
}
