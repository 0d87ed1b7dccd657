import { configurationError } from '../errors.js'
import { isScopeToken } from '../scopes/parse-scopes.js'
import { SATISFIED, type Enforcement, type Requirement, type RequirementInput } from './requirement.js'

/** How several required scopes combine. */
export type ScopeMatch = 'all' | 'any'

/** Options of `requireScope()`. */
export interface RequireScopeOptions {
  /** `'all'` (default): every scope is required; `'any'`: one of them suffices. */
  match?: ScopeMatch
}

/**
 * A compiled scope requirement.
 *
 * @example
 * ```ts
 * const requirement: ScopeRequirement = createScopeRequirement('orders:read')
 * requirement.scopes // ['orders:read']
 * ```
 */
export interface ScopeRequirement extends Requirement {
  readonly scopes: readonly string[]
  readonly match: ScopeMatch
  /**
   * Synchronous: returns `SATISFIED` when the identity has the scopes, else throws the error to
   * answer: 401 without identity, 403 `insufficient_scope` with the required scopes (RFC 6750 §3.1).
   */
  enforce(input: RequirementInput): Enforcement
}

/**
 * Compiles `requireScope(scopes, { match })`. Scopes are validated against the RFC 6749 §3.3
 * grammar at creation, so a typo cannot silently make a route unreachable or open.
 *
 * @example
 * ```ts
 * import { createScopeRequirement } from '@portcullis/core'
 * const requirement = createScopeRequirement(['orders:read', 'admin'], { match: 'any' })
 * requirement.enforce({ request, identity: result.identity, context: result.context, input: undefined }) // throws 403 without either scope
 * ```
 */
export function createScopeRequirement(scopes: string | readonly string[], options: RequireScopeOptions = {}): ScopeRequirement {
  const required = typeof scopes === 'string' ? [scopes] : Array.isArray(scopes) ? [...(scopes as string[])] : []
  if (required.length === 0) throw configurationError('requireScope needs at least one scope')
  for (const scope of required) {
    if (typeof scope !== 'string' || !isScopeToken(scope)) {
      throw configurationError(`requireScope: ${JSON.stringify(scope)} is not a valid scope (RFC 6749 §3.3)`)
    }
  }
  const match = options.match ?? 'all'
  if (match !== 'all' && match !== 'any') throw configurationError(`requireScope: match must be 'all' or 'any'`)
  const frozen = Object.freeze(required)

  return {
    scopes: frozen,
    match,
    // `input.request` is read only to audit: an adapter may build it lazily (LazyRequirementInput).
    enforce(input) {
      const { identity, context } = input
      const { rejections, auditor } = context
      const metrics = context.observability?.metrics
      if (identity === undefined) {
        metrics?.recordDecision('scope', 'deny')
        const error = rejections.credentialsRequired()
        if (auditor.enabled) {
          auditor.emit('authn_login_fail', 'WARN', input.request, {
            outcome: 'failure', reason: 'missing', description: error.message, requiredScopes: frozen,
          })
        }
        throw error
      }
      const granted = identity.scopes
      const ok = match === 'all' ? frozen.every((s) => granted.includes(s)) : frozen.some((s) => granted.includes(s))
      if (ok) {
        metrics?.recordDecision('scope', 'permit')
        if (auditor.enabled) {
          auditor.emit('authz_success', 'INFO', input.request, {
            outcome: 'success', reason: 'scope', description: 'The required scope is granted', identity, requiredScopes: frozen,
          })
        }
        return SATISFIED
      }
      const error = rejections.insufficientScope(frozen)
      metrics?.recordDecision('scope', 'deny')
      if (auditor.enabled) {
        auditor.emit('authz_fail', 'CRITICAL', input.request, {
          outcome: 'failure', reason: 'scope', description: error.message, identity, requiredScopes: frozen,
        })
      }
      throw error
    },
  }
}
