import { DEFAULT_AUTH_CONTEXT, type AuthContext } from '@portcullis/core'
import type { FastifyRequest } from 'fastify'

// What requireToken shares with later hooks of the same request (realm, audit sink).
// A WeakMap keeps it off the request object and lets it go with the request.
const contexts = new WeakMap<FastifyRequest, AuthContext>()

export function setContext(request: FastifyRequest, context: AuthContext): void {
  contexts.set(request, context)
}

/** The context of the request's `requireToken()`, or the core's default when none ran. */
export function getContext(request: FastifyRequest): AuthContext {
  return contexts.get(request) ?? DEFAULT_AUTH_CONTEXT
}
