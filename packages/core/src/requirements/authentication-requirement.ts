import { configurationError } from '../errors.js'
import { SATISFIED, type Enforcement, type Requirement, type RequirementInput } from './requirement.js'
import { checkStepUp, compileStepUp, type StepUpOptions, type StepUpRule } from './step-up.js'

/** Options of `requireAuthentication()`: the per-route step-up requirement (RFC 9470). */
export interface RequireAuthenticationOptions extends StepUpOptions {
  /** Current time in milliseconds (tests). Default `Date.now`. */
  clock?: () => number
}

/**
 * A compiled per-route step-up requirement.
 *
 * @example
 * ```ts
 * const mfa: AuthenticationRequirement = createAuthenticationRequirement({ acr: 'urn:example:mfa' })
 * mfa.rule.acrValues // ['urn:example:mfa']
 * ```
 */
export interface AuthenticationRequirement extends Requirement {
  readonly rule: StepUpRule
  /**
   * Synchronous: returns `SATISFIED` when the identity meets the requirement, else throws the
   * error to answer: 401 without identity, 401 `insufficient_user_authentication` with
   * `acr_values` / `max_age` (RFC 9470 §3).
   */
  enforce(input: RequirementInput): Enforcement
}

/**
 * Compiles `requireAuthentication({ acr, maxAge })`, the route-level twin of the `acr` and
 * `maxAge` options of `requireToken()`: a stronger (`acr`) or more recent (`maxAge`) user
 * authentication for one route, e.g. payments.
 *
 * @example
 * ```ts
 * import { createAuthenticationRequirement } from '@portcullis/core'
 * const mfa = createAuthenticationRequirement({ acr: ['urn:example:mfa'], maxAge: 300 })
 * mfa.enforce({ request, identity: result.identity, context: result.context, input: undefined }) // throws 401 when too weak or too old
 * ```
 */
export function createAuthenticationRequirement(options: RequireAuthenticationOptions): AuthenticationRequirement {
  if (typeof options !== 'object' || options === null) throw configurationError('requireAuthentication needs { acr?, maxAge? }')
  for (const key of Object.keys(options)) {
    if (!['acr', 'maxAge', 'clock'].includes(key)) throw configurationError(`requireAuthentication: ${key} is not an option`)
  }
  const rule = compileStepUp(options, 'requireAuthentication: ')
  if (rule === undefined) throw configurationError('requireAuthentication needs acr or maxAge')
  const clock = options.clock ?? Date.now
  if (typeof clock !== 'function') throw configurationError('requireAuthentication: clock must be a function')
  return {
    rule,
    enforce({ identity, request, context }) {
      const { rejections, auditor } = context
      const metrics = context.observability?.metrics
      if (identity === undefined) {
        metrics?.recordDecision('authentication', 'deny')
        const error = rejections.credentialsRequired()
        if (auditor.enabled) auditor.emit('authn_login_fail', 'WARN', request, { outcome: 'failure', reason: 'missing', description: error.message })
        throw error
      }
      const failure = checkStepUp(identity, rule, clock())
      metrics?.recordDecision('authentication', failure === undefined ? 'permit' : 'step_up')
      if (failure === undefined) return SATISFIED
      const error = rejections.insufficientUserAuthentication(failure.requirement, failure.description)
      if (auditor.enabled) {
        auditor.emit('authz_fail', 'WARN', request, { outcome: 'failure', reason: error.reason, description: error.message, identity })
      }
      throw error
    },
  }
}
