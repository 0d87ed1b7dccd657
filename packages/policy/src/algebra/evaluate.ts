import { combine, stoppedAt, type Applicability } from './combine.js'
import { indeterminateFor, underIndeterminateTarget, type CombiningAlgorithm, type Decision, type Effect } from './decision.js'
import type { PolicyNode, Rule, TargetSpec } from '../model/model.js'
import { conditionOf, type ConditionImpl } from '../model/condition-impl.js'
import { isConditionError } from '../operators/condition-error.js'
import { PENDING } from '../attributes/pending.js'
import { reasonOf, type EvaluationScope, type TrailEntry } from '../attributes/decision-state.js'
import { CandidateIndex } from './candidate-index.js'
import { resolveObligations, isDynamic } from '../obligations/dynamic-obligations.js'
import type { CompiledObligation } from '../obligations/obligation-spec.js'

/** A compiled target: sets for O(1) membership. */
export interface CompiledTarget {
  readonly actions: ReadonlySet<string> | undefined
  readonly resourceTypes: ReadonlySet<string> | undefined
  readonly scopes: readonly string[] | undefined
  /** Attribute tests of the target (JSON `match`): an error makes the target Indeterminate. */
  readonly condition: ConditionImpl | undefined
}

/** A compiled rule. */
export interface CompiledRule {
  readonly kind: 0
  readonly id: string
  readonly effect: Effect
  readonly indeterminate: Decision
  readonly target: CompiledTarget | undefined
  readonly condition: ConditionImpl | undefined
  readonly entry: TrailEntry
  /** Obligations or advice with a condition or parameters from attributes: resolved per decision. */
  readonly dynamic: boolean
}

/** A compiled policy or policy set. */
export interface CompiledPolicy {
  readonly kind: 1
  readonly id: string
  readonly target: CompiledTarget | undefined
  readonly algorithm: CombiningAlgorithm
  readonly children: readonly CompiledNode[]
  readonly index: CandidateIndex | undefined
  readonly permitEntry: TrailEntry | undefined
  readonly denyEntry: TrailEntry | undefined
}

/** A compiled node. */
export type CompiledNode = CompiledRule | CompiledPolicy

const INDEX_THRESHOLD = 8

function compileTarget(target: TargetSpec | undefined): CompiledTarget | undefined {
  if (target === undefined) return undefined
  if (target.actions === undefined && target.resourceTypes === undefined && target.scopes === undefined && target.match === undefined) return undefined
  return {
    actions: target.actions === undefined ? undefined : new Set(target.actions),
    resourceTypes: target.resourceTypes === undefined ? undefined : new Set(target.resourceTypes),
    scopes: target.scopes,
    condition: target.match,
  }
}

function compileRule(rule: Rule): CompiledRule {
  return {
    kind: 0,
    id: rule.id,
    effect: rule.effect,
    indeterminate: indeterminateFor(rule.effect),
    target: compileTarget(rule.target),
    condition: conditionOf(rule),
    entry: Object.freeze({ effect: rule.effect, rule: rule.id, obligations: rule.obligations, advice: rule.advice }),
    dynamic: isDynamic(rule.obligations) || isDynamic(rule.advice),
  }
}

/**
 * Compiles a policy tree once: targets become sets, nodes with many children get a candidate
 * index by action and resource type, obligations become preallocated trail entries.
 *
 * @example
 * ```ts
 * const root = compilePolicy(documents)
 * ```
 */
export function compilePolicy(node: PolicyNode): CompiledPolicy {
  const children: CompiledNode[] = node.kind === 'policy' ? node.rules.map(compileRule) : node.policies.map(compilePolicy)
  const entry = (effect: Effect): TrailEntry | undefined => {
    const obligations = node.obligations.filter((o) => o.fulfillOn === effect)
    const advice = node.advice.filter((o) => o.fulfillOn === effect)
    return obligations.length === 0 && advice.length === 0 ? undefined : Object.freeze({ effect, rule: undefined, obligations, advice, dynamic: isDynamic(obligations) || isDynamic(advice) })
  }
  return {
    kind: 1,
    id: node.id,
    target: compileTarget(node.target),
    algorithm: node.algorithm,
    children,
    index: children.length > INDEX_THRESHOLD ? new CandidateIndex(children) : undefined,
    permitEntry: entry('Permit'),
    denyEntry: entry('Deny'),
  }
}

const MATCH = 0
const NO_MATCH = 1
const INDETERMINATE = 2

// Target match (XACML §7.7): action and scopes never error; an unknown resource type is Indeterminate.
function matchTarget(target: CompiledTarget, scope: EvaluationScope, id: string): number {
  if (target.actions !== undefined && !target.actions.has(scope.action) && !target.actions.has('*')) return NO_MATCH
  if (target.scopes !== undefined) {
    const identity = scope.identity
    if (identity === undefined) return NO_MATCH
    for (let i = 0; i < target.scopes.length; i++) if (!identity.scopes.includes(target.scopes[i] as string)) return NO_MATCH
  }
  if (target.resourceTypes !== undefined) {
    let type: string
    try {
      type = scope.resourceType()
    } catch (error) {
      if (error === PENDING) throw error
      scope.addError(id, `target: ${reasonOf(error)}`)
      return INDETERMINATE
    }
    if (!target.resourceTypes.has(type)) return NO_MATCH
  }
  const condition = target.condition
  if (condition !== undefined) {
    let result: unknown
    try {
      result = condition.evaluate(scope)
    } catch (error) {
      if (error === PENDING) throw error
      scope.addError(id, `target: ${isConditionError(error) ? error.message : reasonOf(error)}`)
      return INDETERMINATE
    }
    if (result !== true) return NO_MATCH
  }
  return MATCH
}

function evaluateRule(rule: CompiledRule, scope: EvaluationScope): Decision {
  const overrides = scope.overrides
  if (overrides !== undefined) {
    // The infrastructure impact check: this rule read a failed attribute; try its possible values.
    const value = overrides.get(rule) as Decision | undefined
    if (value !== undefined) {
      if (value === rule.effect) scope.trail.push(rule.entry)
      return value
    }
  }
  const infrastructureReads = scope.infrastructureReads
  const decision = evaluateRuleValue(rule, scope)
  // It read a failed infrastructure attribute: its value could have been different if it is
  // Indeterminate, or if it is a TypeScript predicate (which may have caught the error itself).
  if (scope.infrastructureReads !== infrastructureReads && (decision === rule.indeterminate || rule.condition?.opaque === true)) scope.noteInfrastructureRule(rule)
  return decision
}

function evaluateRuleValue(rule: CompiledRule, scope: EvaluationScope): Decision {
  if (rule.target !== undefined) {
    const match = matchTarget(rule.target, scope, rule.id)
    if (match === NO_MATCH) return 'NotApplicable'
    if (match === INDETERMINATE) return rule.indeterminate
  }
  const condition = rule.condition
  if (condition !== undefined) {
    const before = scope.pendingRaised
    let result: unknown
    try {
      result = condition.evaluate(scope)
    } catch (error) {
      if (error === PENDING || scope.pendingRaised !== before) throw PENDING
      scope.addError(rule.id, isConditionError(error) ? error.message : `the condition threw: ${reasonOf(error)}`)
      return rule.indeterminate
    }
    // A TypeScript predicate may have caught the wait signal: evaluate again once values are in.
    if (condition.opaque && scope.pendingRaised !== before) throw PENDING
    if (result === false) return 'NotApplicable'
    if (result !== true) {
      scope.addError(rule.id, `the condition returned ${typeof result === 'object' && result !== null && typeof (result as { then?: unknown }).then === 'function' ? 'a promise (conditions are synchronous; use an attribute provider)' : `a ${typeof result}, not a boolean`}`)
      return rule.indeterminate
    }
  }
  if (rule.dynamic) {
    const entry = resolveEntry(rule.entry, scope, rule.id)
    if (entry === undefined) return rule.indeterminate
    scope.trail.push(entry)
    return rule.effect
  }
  scope.trail.push(rule.entry)
  return rule.effect
}

// Resolves conditional obligations and parameters from attributes (XACML §7.18: an obligation
// that cannot be resolved makes its node Indeterminate). Undefined on error (recorded).
function resolveEntry(entry: TrailEntry, scope: EvaluationScope, id: string): TrailEntry | undefined {
  let obligations: readonly CompiledObligation[]
  let advice: readonly CompiledObligation[]
  try {
    obligations = resolveObligations(entry.obligations, scope, true)
    advice = resolveObligations(entry.advice, scope, false)
  } catch (error) {
    if (error === PENDING) throw error
    scope.addError(id, `obligation: ${isConditionError(error) ? error.message : reasonOf(error)}`)
    return undefined
  }
  return { effect: entry.effect, rule: entry.rule, obligations, advice }
}

function applicability(node: CompiledNode, scope: EvaluationScope): Applicability {
  if (node.target === undefined) return 'match'
  const infrastructureReads = scope.infrastructureReads
  const match = matchTarget(node.target, scope, node.id)
  if (scope.infrastructureReads !== infrastructureReads) scope.infrastructureTarget = true
  return match === MATCH ? 'match' : match === NO_MATCH ? 'no-match' : 'indeterminate'
}

function evaluatePolicy(policy: CompiledPolicy, scope: EvaluationScope): Decision {
  let match = MATCH
  if (policy.target !== undefined) {
    const infrastructureReads = scope.infrastructureReads
    match = matchTarget(policy.target, scope, policy.id)
    if (match === NO_MATCH) return 'NotApplicable'
    if (scope.infrastructureReads !== infrastructureReads) scope.infrastructureTarget = true
  }
  const trail = scope.trail
  const mark = trail.length
  const children = policy.index === undefined ? policy.children : policy.index.candidates(scope.indexKey, scope.action, scope.staticResourceType)
  let decision = combine(policy.algorithm, children, evaluateNode, scope, applicability)
  const stop = stoppedAt()
  if (stop >= 0 && stop < children.length - 1) scope.skipped.push(children, stop + 1)
  if (match === INDETERMINATE) {
    decision = underIndeterminateTarget(decision)
  }
  // Keep only the trail of children that agree with this node's decision (XACML §7.18).
  if (trail.length > mark) {
    if (decision === 'Permit' || decision === 'Deny') {
      let write = mark
      for (let i = mark; i < trail.length; i++) {
        const entry = trail[i] as TrailEntry
        if (entry.effect === decision) trail[write++] = entry
      }
      trail.length = write
    } else {
      trail.length = mark
    }
  }
  const entry = decision === 'Permit' ? policy.permitEntry : decision === 'Deny' ? policy.denyEntry : undefined
  if (entry !== undefined) {
    if ((entry as { dynamic?: boolean }).dynamic === true) {
      const infrastructureReads = scope.infrastructureReads
      const resolved = resolveEntry(entry, scope, policy.id)
      // A policy's obligation that read a failed infrastructure attribute: treat as decisive.
      if (resolved === undefined && scope.infrastructureReads !== infrastructureReads) scope.infrastructureTarget = true
      if (resolved === undefined) {
        trail.length = mark
        return underIndeterminateTarget(decision)
      }
      trail.push(resolved)
    } else trail.push(entry)
  }
  return decision
}

/**
 * Evaluates a compiled node in a scope. Throws `PENDING` when an attribute is being fetched.
 *
 * @example
 * ```ts
 * const decision = evaluateNode(root, scope)
 * ```
 */
export function evaluateNode(node: CompiledNode, scope: EvaluationScope): Decision {
  return node.kind === 0 ? evaluateRule(node, scope) : evaluatePolicy(node, scope)
}
