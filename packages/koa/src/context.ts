import { DEFAULT_AUTH_CONTEXT, type AuthContext } from '@portcullis/core'
import type { Context } from 'koa'

// What requireToken shares with later middleware of the same request (realm, audit sink).
// A WeakMap keeps it off `ctx.state` and lets it go with the request.
// On globalThis under a registered symbol: when both the ESM and the CommonJS build of this
// adapter are loaded (an ESM app with a CommonJS plugin), middleware of one still finds the
// context that requireToken of the other stored.
const contexts = ((globalThis as Record<symbol, unknown>)[Symbol.for('portcullis.koa.contexts.v1')] ??= new WeakMap<Context, AuthContext>()) as WeakMap<Context, AuthContext>

export function setContext(ctx: Context, context: AuthContext): void {
  contexts.set(ctx, context)
}

/** The context of the request's `requireToken()`, or the core's default when none ran. */
export function getContext(ctx: Context): AuthContext {
  return contexts.get(ctx) ?? DEFAULT_AUTH_CONTEXT
}
