import { DEFAULT_AUTH_CONTEXT, type AuthContext } from '@portcullis/core'
import type { Request } from 'express'

// What requireToken shares with later middleware of the same request (realm, audit sink).
// A WeakMap rather than a property: Express gives each request a new prototype
// (Object.setPrototypeOf), after which every property added to it takes the engine's slow path
// (it showed in CPU profiles of the cache-hit path); the map also lets it go with the request.
// On globalThis under a registered symbol: when both the ESM and the CommonJS build of this
// adapter are loaded (an ESM app with a CommonJS plugin), middleware of one still finds the
// context that requireToken of the other stored.
const contexts = ((globalThis as Record<symbol, unknown>)[Symbol.for('portcullis.express.contexts.v1')] ??= new WeakMap<Request, AuthContext>()) as WeakMap<Request, AuthContext>

/** Records the context of the request's `requireToken()` (once per request). */
export function setContext(req: Request, context: AuthContext): void {
  contexts.set(req, context)
}

/** The context of the request's `requireToken()`, or the core's default when none ran. */
export function getContext(req: Request): AuthContext {
  return contexts.get(req) ?? DEFAULT_AUTH_CONTEXT
}
