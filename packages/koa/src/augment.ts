import type { Identity } from '@portcullis/core'

// `ctx.state.auth` is typed for every Koa app that imports @portcullis/koa. Claims are
// narrowed by augmenting `PortcullisClaims` in @portcullis/core.
declare module 'koa' {
  interface DefaultState {
    /** The authenticated caller, set by `requireToken()`. Undefined on optional routes without a token. */
    auth?: Identity
  }
}

export {}
