import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'

/**
 * A Fastify hook in callback style, usable as `onRequest` or `preHandler` (app-wide with
 * `app.addHook`, or per route in the route's `preHandler` option). It declares no `this`, so it
 * fits an instance over any server (HTTP or HTTPS).
 */
export type FastifyHook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void
