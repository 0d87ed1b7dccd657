import type { Identity } from '@portcullis/core'

// `req.auth` is typed for every Express app that imports @portcullis/express. Claims are
// narrowed by augmenting `PortcullisClaims` in @portcullis/core.
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The authenticated caller, set by `requireToken()`. Undefined on optional routes without a token. */
      auth?: Identity
    }
  }
}

export {}
