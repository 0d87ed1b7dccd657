import type { Identity } from '@portcullis/core'
import type { PortcullisMiddleware } from './require-token.js'

// `request.auth` is typed for every Fastify app that imports @portcullis/fastify. Claims are
// narrowed by augmenting `PortcullisClaims` in @portcullis/core.
declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller, set by `requireToken()`. Undefined on optional routes without a token. */
    auth?: Identity
  }
  interface FastifyInstance {
    /**
     * The `requireToken()` hook the `portcullis` plugin installed for its `token` option, with
     * `ready()`, `health()`, `cache` and `authenticator`. Undefined when the plugin was
     * registered without `token`; when it is registered with `token` again in a child instance,
     * the outer registration's hook (create the inner one with `requireToken()` to keep it).
     */
    portcullis?: PortcullisMiddleware
  }
}

export {}
