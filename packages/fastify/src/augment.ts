import type { Identity } from '@portcullis/core'

// `request.auth` is typed for every Fastify app that imports @portcullis/fastify. Claims are
// narrowed by augmenting `PortcullisClaims` in @portcullis/core.
declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller, set by `requireToken()`. Undefined on optional routes without a token. */
    auth?: Identity
  }
}

export {}
