import type { PolicyAttributes } from './attributes.js'
import type { CombiningAlgorithm, Effect } from '../algebra/decision.js'
import type { ConditionImpl } from './condition-impl.js'
import { checkAlgorithm, checkId, checkObligations, checkTarget, checkUniqueIds, type IssueSink, type Policy, type PolicyNode, type PolicySet, type Rule, type Target } from './model.js'
import type { ObligationSpec } from '../obligations/obligation-spec.js'
import { PolicyValidationError, type PolicyIssue } from '../json/policy-error.js'
import type { EvaluationScope } from '../attributes/decision-state.js'

/**
 * Options of {@link permit} and {@link deny}.
 *
 * @example
 * ```ts
 * const options: RuleOptions = { actions: ['read'], resourceTypes: ['document'], when: (a) => a.subject.id !== undefined }
 * ```
 */
export interface RuleOptions<A = PolicyAttributes> extends Target {
  /**
   * The condition: a synchronous predicate over typed attributes. A throw, or a return value
   * other than `true`/`false`, makes the rule Indeterminate (never its effect).
   */
  readonly when?: (attributes: A) => boolean
  readonly obligations?: readonly ObligationSpec[]
  readonly advice?: readonly ObligationSpec[]
  readonly description?: string
}

/**
 * Options of {@link policy}.
 *
 * @example
 * ```ts
 * policy({ id: 'documents', algorithm: 'deny-overrides', target: { resourceTypes: ['document'] }, rules: [permit('read', { actions: ['read'] })] })
 * ```
 */
export interface PolicyOptions {
  readonly id: string
  readonly target?: Target
  /** Default `deny-overrides`. */
  readonly algorithm?: Exclude<CombiningAlgorithm, 'only-one-applicable'>
  readonly rules: readonly Rule[]
  readonly obligations?: readonly ObligationSpec[]
  readonly advice?: readonly ObligationSpec[]
  readonly description?: string
}

/**
 * Options of {@link policySet}.
 *
 * @example
 * ```ts
 * policySet({ id: 'api', algorithm: 'deny-unless-permit', policies: [documents, reports] })
 * ```
 */
export interface PolicySetOptions {
  readonly id: string
  readonly target?: Target
  /** Default `deny-overrides`. */
  readonly algorithm?: CombiningAlgorithm
  readonly policies: readonly PolicyNode[]
  readonly obligations?: readonly ObligationSpec[]
  readonly advice?: readonly ObligationSpec[]
  readonly description?: string
}

function collector(): { issues: PolicyIssue[]; issue: IssueSink } {
  const issues: PolicyIssue[] = []
  return { issues, issue: (path, reason) => issues.push({ path, reason }) }
}

function predicate<A>(when: (attributes: A) => boolean): ConditionImpl {
  return { evaluate: (scope: EvaluationScope) => when(scope.view as A), opaque: true }
}

function rule<A>(effect: Effect, id: string, options: RuleOptions<A>): Rule {
  const { issues, issue } = collector()
  checkId(id, '$.id', issue)
  if (typeof options !== 'object' || options === null) throw new PolicyValidationError([{ path: '$', reason: 'rule options must be an object' }], 'rule')
  const { when, obligations, advice, description, actions, resourceTypes, scopes, ...rest } = options
  for (const key of Object.keys(rest)) issue(`$.${key}`, 'is not a rule option')
  if (when !== undefined && typeof when !== 'function') issue('$.when', 'must be a function (attributes) => boolean')
  const target = checkTarget(
    actions === undefined && resourceTypes === undefined && scopes === undefined
      ? undefined
      : { ...(actions === undefined ? {} : { actions }), ...(resourceTypes === undefined ? {} : { resourceTypes }), ...(scopes === undefined ? {} : { scopes }) },
    '$',
    issue,
  )
  const compiledObligations = checkObligations(obligations, '$.obligations', effect, issue, effect)
  const compiledAdvice = checkObligations(advice, '$.advice', effect, issue, effect)
  if (description !== undefined && typeof description !== 'string') issue('$.description', 'must be a string')
  if (issues.length > 0) throw new PolicyValidationError(issues, `rule ${JSON.stringify(id)}`)
  return Object.freeze({
    kind: 'rule',
    id,
    effect,
    target,
    condition: when === undefined ? undefined : predicate(when),
    obligations: Object.freeze(compiledObligations),
    advice: Object.freeze(compiledAdvice),
    description,
  })
}

/**
 * A Permit rule. Attribute types come from the type parameter, so `a.resource.owner` is
 * checked by the compiler.
 *
 * @example
 * ```ts
 * const ownerReads = permit<PolicyAttributes<{ owner: string }>>('owner-reads', {
 *   actions: ['read'],
 *   when: (a) => a.resource.owner === a.subject.id,
 * })
 * ```
 */
export function permit<A = PolicyAttributes>(id: string, options: RuleOptions<A> = {}): Rule {
  return rule('Permit', id, options)
}

/**
 * A Deny rule. If its condition throws or reads a missing attribute, it is
 * Indeterminate{D}: under deny-overrides that still blocks every Permit.
 *
 * @example
 * ```ts
 * const untrusted = deny('untrusted-network', { when: (a) => a.environment.zone === 'untrusted' })
 * ```
 */
export function deny<A = PolicyAttributes>(id: string, options: RuleOptions<A> = {}): Rule {
  return rule('Deny', id, options)
}

/**
 * A policy: rules combined by `algorithm` (default deny-overrides).
 *
 * @example
 * ```ts
 * const documents = policy({ id: 'documents', target: { resourceTypes: ['document'] }, rules: [ownerReads, untrusted] })
 * ```
 */
export function policy(options: PolicyOptions): Policy {
  const { issues, issue } = collector()
  if (typeof options !== 'object' || options === null) throw new PolicyValidationError([{ path: '$', reason: 'policy options must be an object' }])
  const { id, target, algorithm, rules, obligations, advice, description, ...rest } = options
  for (const key of Object.keys(rest)) issue(`$.${key}`, 'is not a policy option')
  checkId(id, '$.id', issue)
  const compiledTarget = checkTarget(target, '$.target', issue)
  const compiledAlgorithm = checkAlgorithm(algorithm, '$.algorithm', issue, false)
  if (!Array.isArray(rules)) issue('$.rules', 'must be an array of rules (permit(...), deny(...))')
  else {
    rules.forEach((r: unknown, i) => {
      if (typeof r !== 'object' || r === null || (r as Rule).kind !== 'rule') issue(`$.rules[${i}]`, 'must be a rule built with permit() or deny()')
    })
    checkUniqueIds(rules, '$.rules', issue)
  }
  const compiledObligations = checkObligations(obligations, '$.obligations', 'Permit', issue)
  const compiledAdvice = checkObligations(advice, '$.advice', 'Permit', issue)
  if (issues.length > 0) throw new PolicyValidationError(issues, `policy ${JSON.stringify(id)}`)
  return Object.freeze({
    kind: 'policy',
    id,
    target: compiledTarget,
    algorithm: compiledAlgorithm,
    rules: Object.freeze([...rules]),
    obligations: Object.freeze(compiledObligations),
    advice: Object.freeze(compiledAdvice),
    description,
  })
}

/**
 * A policy set: policies and nested sets combined by `algorithm` (default deny-overrides).
 *
 * @example
 * ```ts
 * const api = policySet({ id: 'api', algorithm: 'deny-unless-permit', policies: [documents, reports] })
 * ```
 */
export function policySet(options: PolicySetOptions): PolicySet {
  const { issues, issue } = collector()
  if (typeof options !== 'object' || options === null) throw new PolicyValidationError([{ path: '$', reason: 'policy set options must be an object' }])
  const { id, target, algorithm, policies, obligations, advice, description, ...rest } = options
  for (const key of Object.keys(rest)) issue(`$.${key}`, 'is not a policy set option')
  checkId(id, '$.id', issue)
  const compiledTarget = checkTarget(target, '$.target', issue)
  const compiledAlgorithm = checkAlgorithm(algorithm, '$.algorithm', issue, true)
  if (!Array.isArray(policies)) issue('$.policies', 'must be an array of policies and policy sets')
  else {
    policies.forEach((p: unknown, i) => {
      const kind = typeof p === 'object' && p !== null ? (p as PolicyNode).kind : undefined
      if (kind !== 'policy' && kind !== 'policy-set') issue(`$.policies[${i}]`, 'must be built with policy() or policySet()')
    })
    checkUniqueIds(policies, '$.policies', issue)
  }
  const compiledObligations = checkObligations(obligations, '$.obligations', 'Permit', issue)
  const compiledAdvice = checkObligations(advice, '$.advice', 'Permit', issue)
  if (issues.length > 0) throw new PolicyValidationError(issues, `policy set ${JSON.stringify(id)}`)
  return Object.freeze({
    kind: 'policy-set',
    id,
    target: compiledTarget,
    algorithm: compiledAlgorithm,
    policies: Object.freeze([...policies]),
    obligations: Object.freeze(compiledObligations),
    advice: Object.freeze(compiledAdvice),
    description,
  })
}
