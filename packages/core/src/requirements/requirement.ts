import type { AuthContext } from '../authenticator.js'
import type { Identity } from '../identity/identity.js'
import type { PortcullisRequest } from '../request.js'

/**
 * What a requirement is enforced on: one request, as the adapter sees it.
 *
 * @example
 * ```ts
 * import { DEFAULT_AUTH_CONTEXT, type RequirementInput } from '@portcullis/core'
 * const input: RequirementInput = { request, identity: req.auth, context: DEFAULT_AUTH_CONTEXT, input: req }
 * ```
 */
export interface RequirementInput<In = unknown> {
  readonly request: PortcullisRequest
  /** The authenticated caller (`req.auth` / `ctx.state.auth`); undefined when no token was verified. */
  readonly identity: Identity | undefined
  /**
   * Challenge realm and audit sink of the `requireToken()` that ran before on this request;
   * {@link DEFAULT_AUTH_CONTEXT} when none did.
   */
  readonly context: AuthContext
  /** The framework's own input (`req` in Express, `ctx` in Koa), e.g. for a policy's resource loader. */
  readonly input: In
}

/**
 * What a met requirement asks of the adapter before the handler runs. A requirement may return
 * more (a policy's `decisionId`); adapters act on the fields declared here.
 *
 * @example
 * ```ts
 * import type { Enforcement } from '@portcullis/core'
 * const noStore: Enforcement = { responseHeaders: { 'Cache-Control': 'no-store' } }
 * ```
 */
export interface Enforcement {
  /** Headers to set on the response (e.g. from a policy's response-headers obligation). */
  readonly responseHeaders?: Readonly<Record<string, string>>
}

/**
 * The one contract of every route requirement (scopes, step-up, policies, and whatever comes
 * next): `enforce` returns (or resolves with) an {@link Enforcement} when the request may go
 * on, and throws (or rejects with) a `PortcullisError` when it may not, and only that. A
 * synchronous requirement returns synchronously, so the adapters add no promise hop for it.
 * Each adapter turns any requirement into middleware with one function (`to-middleware.ts`).
 *
 * @example
 * ```ts
 * import { SATISFIED, type Requirement } from '@portcullis/core'
 * const firstPartyOnly: Requirement = {
 *   enforce({ identity, context }) {
 *     if (identity === undefined) throw context.rejections.credentialsRequired()
 *     if (identity.clientId !== 'web-app') throw context.rejections.insufficientScope(['first-party'])
 *     return SATISFIED
 *   },
 * }
 * ```
 */
export interface Requirement<In = unknown> {
  enforce(input: RequirementInput<In>): Enforcement | PromiseLike<Enforcement>
}

/**
 * The frozen "nothing to do" enforcement a met requirement returns: no headers, no allocation.
 *
 * @example
 * ```ts
 * import { SATISFIED } from '@portcullis/core'
 * return SATISFIED
 * ```
 */
export const SATISFIED: Enforcement = Object.freeze({})

/** True when `value` is a promise or another thenable (an asynchronous requirement's result). */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}
