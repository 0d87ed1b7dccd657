import type { AuditLevel } from '@portcullis/core'
import type { StepUpRequirement } from '@portcullis/core'
import { configurationError } from '@portcullis/core'
import type { Identity } from '@portcullis/core'
import type { PortcullisRequest } from '@portcullis/core'
import type { Effect } from '../algebra/decision.js'
import { builtInParamProblems, type CompiledObligation } from './obligation-spec.js'

/**
 * What an obligation handler receives.
 *
 * @example
 * ```ts
 * const handler: ObligationHandler = (_o, context: ObligationContext) => ({ fulfilled: context.identity !== undefined })
 * ```
 */
export interface ObligationContext {
  readonly identity: Identity | undefined
  readonly request: PortcullisRequest
  /** The decision the obligation came with. */
  readonly decision: Effect
  /** The engine clock, ms. */
  readonly now: number
}

/**
 * The result of discharging an obligation. `fulfilled: false` denies the request (with a
 * step-up challenge when `stepUp` is given).
 *
 * @example
 * ```ts
 * const outcome: ObligationOutcome = { fulfilled: false, stepUp: { acrValues: ['mfa'] }, reason: 'needs mfa' }
 * ```
 */
export type ObligationOutcome =
  | { readonly fulfilled: true; readonly headers?: Readonly<Record<string, string>>; readonly auditLevel?: AuditLevel }
  | { readonly fulfilled: false; readonly stepUp?: StepUpRequirement; readonly reason?: string }

/**
 * Discharges one obligation, synchronously. A handler that throws or returns anything else
 * than an {@link ObligationOutcome} counts as not fulfilled: the PEP denies.
 *
 * @example
 * ```ts
 * const requireTicket: ObligationHandler = (obligation, { request }) =>
 *   request.headers['x-ticket'] === undefined ? { fulfilled: false, reason: 'no ticket' } : { fulfilled: true }
 * createPolicyEngine(documents, { obligationHandlers: { 'require-ticket': requireTicket } })
 * ```
 */
export type ObligationHandler = (obligation: CompiledObligation, context: ObligationContext) => ObligationOutcome

/**
 * Custom handlers by obligation id.
 *
 * @example
 * ```ts
 * const handlers: ObligationHandlerMap = { 'require-ticket': requireTicket }
 * ```
 */
export type ObligationHandlerMap = Readonly<Record<string, ObligationHandler>>

const stepUpHandler: ObligationHandler = (obligation, { identity, now }) => {
  const { acrValues, maxAge } = obligation.params as { acrValues?: readonly string[]; maxAge?: number }
  const requirement: StepUpRequirement = { ...(acrValues === undefined ? {} : { acrValues }), ...(maxAge === undefined ? {} : { maxAge }) }
  if (identity === undefined) return { fulfilled: false, stepUp: requirement, reason: 'no identity' }
  if (acrValues !== undefined && (identity.acr === undefined || !acrValues.includes(identity.acr))) {
    return { fulfilled: false, stepUp: requirement, reason: `acr ${JSON.stringify(identity.acr ?? null)} is not one of ${acrValues.join(' ')}` }
  }
  if (maxAge !== undefined) {
    const authTime = identity.authTime?.getTime()
    if (authTime === undefined || Number.isNaN(authTime)) return { fulfilled: false, stepUp: requirement, reason: 'no auth_time' }
    if (now - authTime > maxAge * 1000) return { fulfilled: false, stepUp: requirement, reason: `authentication is older than ${maxAge} s` }
  }
  return { fulfilled: true }
}

const monitoringHandler: ObligationHandler = (obligation) => ({
  fulfilled: true,
  auditLevel: obligation.params.level === 'CRITICAL' ? 'CRITICAL' : 'WARN',
})

const headersHandler: ObligationHandler = (obligation) => ({
  fulfilled: true,
  headers: obligation.params.headers as Readonly<Record<string, string>>,
})

const BUILT_INS: ReadonlyMap<string, ObligationHandler> = new Map([
  ['step-up', stepUpHandler],
  ['enhanced-monitoring', monitoringHandler],
  ['response-headers', headersHandler],
])

/**
 * Merges custom handlers with the built-ins (which cannot be replaced).
 *
 * @example
 * ```ts
 * const handlers = compileObligationHandlers({ 'require-ticket': requireTicket })
 * ```
 */
export function compileObligationHandlers(custom: ObligationHandlerMap | undefined): ReadonlyMap<string, ObligationHandler> {
  const map = new Map(BUILT_INS)
  if (custom === undefined) return map
  if (typeof custom !== 'object' || custom === null) throw configurationError('policy engine: obligationHandlers must be an object')
  for (const [name, handler] of Object.entries(custom)) {
    if (BUILT_INS.has(name)) throw configurationError(`policy engine: the built-in obligation ${JSON.stringify(name)} cannot be replaced`)
    if (!/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/.test(name)) throw configurationError(`policy engine: obligation handler name ${JSON.stringify(name)} is not a valid id`)
    if (typeof handler !== 'function') throw configurationError(`policy engine: obligation handler ${JSON.stringify(name)} must be a function`)
    map.set(name, handler)
  }
  return map
}

/** A discharged obligation's normalized outcome (custom results checked like policy parameters). */
export function runHandler(handler: ObligationHandler, obligation: CompiledObligation, context: ObligationContext): ObligationOutcome {
  let outcome: unknown
  try {
    outcome = handler(obligation, context)
  } catch {
    return { fulfilled: false, reason: `handler ${obligation.id} threw` }
  }
  if (typeof outcome !== 'object' || outcome === null) return { fulfilled: false, reason: `handler ${obligation.id} returned no outcome` }
  const o = outcome as { fulfilled?: unknown; headers?: unknown; auditLevel?: unknown; stepUp?: unknown; reason?: unknown }
  if (o.fulfilled === true) {
    if (o.headers !== undefined && builtInParamProblems('response-headers', { headers: o.headers }).length > 0) {
      return { fulfilled: false, reason: `handler ${obligation.id} returned invalid headers` }
    }
    const level = o.auditLevel === 'WARN' || o.auditLevel === 'CRITICAL' || o.auditLevel === 'INFO' ? o.auditLevel : undefined
    return { fulfilled: true, ...(o.headers === undefined ? {} : { headers: o.headers as Record<string, string> }), ...(level === undefined ? {} : { auditLevel: level }) }
  }
  const stepUp = o.stepUp as StepUpRequirement | undefined
  const validStepUp = stepUp !== undefined && typeof stepUp === 'object' && stepUp !== null && builtInParamProblems('step-up', { ...stepUp }).length === 0
  return { fulfilled: false, ...(validStepUp ? { stepUp } : {}), reason: typeof o.reason === 'string' ? o.reason.slice(0, 200) : `handler ${obligation.id} did not fulfil it` }
}
