import { DEFAULT_AUTH_CONTEXT, type AuthContext } from '@portcullis/core'
import type { Context } from 'koa'

// What requireToken shares with later middleware of the same request (realm, audit sink).
// A WeakMap keeps it off `ctx.state` and lets it go with the request.
const contexts = new WeakMap<Context, AuthContext>()

export function setContext(ctx: Context, context: AuthContext): void {
  contexts.set(ctx, context)
}

/** The context of the request's `requireToken()`, or the core's default when none ran. */
export function getContext(ctx: Context): AuthContext {
  return contexts.get(ctx) ?? DEFAULT_AUTH_CONTEXT
}
