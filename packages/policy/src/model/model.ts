import { isScopeToken } from '@portcullis/core'
import { COMBINING_ALGORITHMS, type CombiningAlgorithm, type Effect } from '../algebra/decision.js'
import { builtInParamProblems, type CompiledObligation, type ObligationSpec } from '../obligations/obligation-spec.js'
import type { EvaluationScope } from '../attributes/decision-state.js'

/**
 * What a rule, policy or policy set applies to. Absent fields match everything; `'*'` in
 * `actions` matches every action. Targets index the rules: a 1,000-rule set evaluates only
 * the rules whose target can match the route's action and resource type.
 *
 * @example
 * ```ts
 * const target: Target = { actions: ['read', 'list'], resourceTypes: ['document'], scopes: ['documents:read'] }
 * ```
 */
export interface Target {
  readonly actions?: readonly string[]
  readonly resourceTypes?: readonly string[]
  /** Every listed scope must be granted (no identity: no match). */
  readonly scopes?: readonly string[]
}

/** A compiled condition. `opaque` marks a TypeScript predicate (it may swallow internal signals). */
export interface ConditionImpl {
  readonly evaluate: (scope: EvaluationScope) => unknown
  readonly opaque: boolean
  /** The JSON source of a declarative condition, for explanations. */
  readonly source?: unknown
}

/**
 * A rule: an effect that applies when the target matches and the condition holds.
 *
 * @example
 * ```ts
 * const rule: Rule = deny('untrusted', { when: (a) => a.environment.zone === 'untrusted' })
 * ```
 */
export interface Rule {
  readonly kind: 'rule'
  readonly id: string
  readonly effect: Effect
  readonly target: Target | undefined
  /**
   * The compiled condition (built by `permit`/`deny` or from a JSON document).
   * @internal
   */
  readonly condition: ConditionImpl | undefined
  readonly obligations: readonly CompiledObligation[]
  readonly advice: readonly CompiledObligation[]
  readonly description: string | undefined
}

/**
 * A policy: rules combined by an algorithm (default deny-overrides).
 *
 * @example
 * ```ts
 * const documents: Policy = policy({ id: 'documents', rules: [permit('read', { actions: ['read'] })] })
 * ```
 */
export interface Policy {
  readonly kind: 'policy'
  readonly id: string
  readonly target: Target | undefined
  readonly algorithm: CombiningAlgorithm
  readonly rules: readonly Rule[]
  readonly obligations: readonly CompiledObligation[]
  readonly advice: readonly CompiledObligation[]
  readonly description: string | undefined
}

/**
 * A policy set: policies and nested sets combined by an algorithm (default deny-overrides).
 *
 * @example
 * ```ts
 * const api: PolicySet = policySet({ id: 'api', policies: [documents] })
 * ```
 */
export interface PolicySet {
  readonly kind: 'policy-set'
  readonly id: string
  readonly target: Target | undefined
  readonly algorithm: CombiningAlgorithm
  readonly policies: readonly PolicyNode[]
  readonly obligations: readonly CompiledObligation[]
  readonly advice: readonly CompiledObligation[]
  readonly description: string | undefined
}

/**
 * What an engine evaluates.
 *
 * @example
 * ```ts
 * const node: PolicyNode = loadPolicyDocument(json)
 * ```
 */
export type PolicyNode = Policy | PolicySet

/** Collects problems while checking a policy tree. */
export type IssueSink = (path: string, reason: string) => void

const ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/
const NAME = /^(?:\*|[A-Za-z0-9][A-Za-z0-9._:/-]{0,63})$/

/** Checks an id (rule, policy, set). */
export function checkId(id: unknown, path: string, issue: IssueSink): id is string {
  if (typeof id !== 'string' || !ID.test(id)) {
    issue(path, `must be an id of 1-128 characters matching ${ID.source}`)
    return false
  }
  return true
}

/**
 * Checks and copies a target; problems go to `issue`.
 *
 * @example
 * ```ts
 * checkTarget({ actions: ['read'] }, '$.target', (p, r) => issues.push({ path: p, reason: r }))
 * ```
 */
export function checkTarget(target: unknown, path: string, issue: IssueSink): Target | undefined {
  if (target === undefined) return undefined
  if (typeof target !== 'object' || target === null || Array.isArray(target)) {
    issue(path, 'must be an object with actions, resourceTypes and/or scopes')
    return undefined
  }
  const out: { actions?: readonly string[]; resourceTypes?: readonly string[]; scopes?: readonly string[] } = {}
  for (const key of Object.keys(target)) {
    if (key !== 'actions' && key !== 'resourceTypes' && key !== 'scopes') issue(`${path}.${key}`, 'is not a target field (actions, resourceTypes, scopes)')
  }
  const t = target as Record<string, unknown>
  for (const field of ['actions', 'resourceTypes', 'scopes'] as const) {
    const list = t[field]
    if (list === undefined) continue
    if (!Array.isArray(list) || list.length === 0 || list.length > 256) {
      issue(`${path}.${field}`, 'must be a non-empty array of at most 256 strings')
      continue
    }
    const valid = list.every((item: unknown, i) => {
      const ok = typeof item === 'string' && (field === 'scopes' ? isScopeToken(item) : NAME.test(item) && (field === 'actions' || item !== '*'))
      if (!ok) issue(`${path}.${field}[${i}]`, field === 'scopes' ? 'must be a scope (RFC 6749 §3.3)' : `must match ${NAME.source}${field === 'actions' ? '' : " (no '*')"}`)
      return ok
    })
    if (valid) out[field] = Object.freeze([...(list as string[])])
  }
  return Object.freeze(out)
}

/**
 * Checks and compiles obligation or advice specs.
 *
 * @example
 * ```ts
 * const obligations = checkObligations([stepUp({ maxAge: 300 })], '$.obligations', 'Permit', issue)
 * ```
 */
export function checkObligations(specs: unknown, path: string, defaultOn: Effect, issue: IssueSink, onlyOn?: Effect): CompiledObligation[] {
  if (specs === undefined) return []
  if (!Array.isArray(specs) || specs.length > 32) {
    issue(path, 'must be an array of at most 32 obligations')
    return []
  }
  const out: CompiledObligation[] = []
  specs.forEach((spec: unknown, i) => {
    const at = `${path}[${i}]`
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return issue(at, 'must be an object { id, fulfillOn?, params? }')
    const s = spec as ObligationSpec
    for (const key of Object.keys(s)) if (key !== 'id' && key !== 'fulfillOn' && key !== 'params') issue(`${at}.${key}`, 'is not an obligation field (id, fulfillOn, params)')
    if (!checkId(s.id, `${at}.id`, issue)) return
    const fulfillOn = s.fulfillOn ?? defaultOn
    if (fulfillOn !== 'Permit' && fulfillOn !== 'Deny') return issue(`${at}.fulfillOn`, "must be 'Permit' or 'Deny'")
    if (onlyOn !== undefined && fulfillOn !== onlyOn) return issue(`${at}.fulfillOn`, `a ${onlyOn} rule only returns ${onlyOn} obligations`)
    const params = s.params ?? {}
    if (typeof params !== 'object' || params === null || Array.isArray(params)) return issue(`${at}.params`, 'must be an object')
    for (const [p, reason] of builtInParamProblems(s.id, params)) issue(`${at}.${p}`, reason)
    out.push(Object.freeze({ id: s.id, fulfillOn, params: Object.freeze({ ...params }) }))
  })
  return out
}

/** Checks an algorithm name. */
export function checkAlgorithm(algorithm: unknown, path: string, issue: IssueSink, forSet: boolean): CombiningAlgorithm {
  if (algorithm === undefined) return 'deny-overrides'
  if (typeof algorithm !== 'string' || !(COMBINING_ALGORITHMS as readonly string[]).includes(algorithm)) {
    issue(path, `must be one of ${COMBINING_ALGORITHMS.join(', ')}`)
    return 'deny-overrides'
  }
  if (algorithm === 'only-one-applicable' && !forSet) issue(path, 'only-one-applicable combines policies, not rules (XACML C.9): use it on a policy set')
  return algorithm as CombiningAlgorithm
}

/** Checks that the ids of siblings are unique. */
export function checkUniqueIds(nodes: readonly { id: string }[], path: string, issue: IssueSink): void {
  const seen = new Set<string>()
  nodes.forEach((node, i) => {
    if (seen.has(node.id)) issue(`${path}[${i}].id`, `duplicate id ${JSON.stringify(node.id)}`)
    seen.add(node.id)
  })
}
