import type { AuthContext } from '../authenticator.js'
import { createAuditor } from '../audit/auditor.js'
import { createRejections } from '../credentials/rejections.js'

/**
 * The context a requirement runs with when no `requireToken()` ran before it on the request (a
 * public policy route, or a wiring mistake): realm `api`, no audit sink. Requirements still fail
 * closed, with a challenge. Adapters use it; tests of a requirement may too.
 *
 * @example
 * ```ts
 * import { createScopeRequirement, DEFAULT_AUTH_CONTEXT } from '@portcullis/core'
 * createScopeRequirement('orders:read').enforce({ request, identity, context: DEFAULT_AUTH_CONTEXT, input: undefined })
 * ```
 */
export const DEFAULT_AUTH_CONTEXT: AuthContext = Object.freeze({ rejections: createRejections('api'), auditor: createAuditor(undefined, Date.now) })
