import { combine, type Applicability } from './combine.js'
import { indeterminateFor, underIndeterminateTarget, type CombiningAlgorithm, type Decision, type Effect } from './decision.js'
import type { PolicyNode, Rule, Target } from '../model/model.js'
import { conditionOf, type ConditionImpl } from '../model/condition-impl.js'
import { isConditionError } from '../operators/condition-error.js'
import { PENDING } from '../attributes/pending.js'
import { reasonOf, type EvaluationScope, type TrailEntry } from '../attributes/decision-state.js'
import { CandidateIndex } from './candidate-index.js'

/** A compiled target: sets for O(1) membership. */
export interface CompiledTarget {
  readonly actions: ReadonlySet<string> | undefined
  readonly resourceTypes: ReadonlySet<string> | undefined
  readonly scopes: readonly string[] | undefined
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

function compileTarget(target: Target | undefined): CompiledTarget | undefined {
  if (target === undefined) return undefined
  if (target.actions === undefined && target.resourceTypes === undefined && target.scopes === undefined) return undefined
  return {
    actions: target.actions === undefined ? undefined : new Set(target.actions),
    resourceTypes: target.resourceTypes === undefined ? undefined : new Set(target.resourceTypes),
    scopes: target.scopes,
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
    return obligations.length === 0 && advice.length === 0 ? undefined : Object.freeze({ effect, rule: undefined, obligations, advice })
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
  return MATCH
}

function evaluateRule(rule: CompiledRule, scope: EvaluationScope): Decision {
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
  scope.trail.push(rule.entry)
  return rule.effect
}

function applicability(node: CompiledNode, scope: EvaluationScope): Applicability {
  if (node.target === undefined) return 'match'
  const match = matchTarget(node.target, scope, node.id)
  return match === MATCH ? 'match' : match === NO_MATCH ? 'no-match' : 'indeterminate'
}

function evaluatePolicy(policy: CompiledPolicy, scope: EvaluationScope): Decision {
  let match = MATCH
  if (policy.target !== undefined) {
    match = matchTarget(policy.target, scope, policy.id)
    if (match === NO_MATCH) return 'NotApplicable'
  }
  const trail = scope.trail
  const mark = trail.length
  const children = policy.index === undefined ? policy.children : policy.index.candidates(scope.indexKey, scope.action, scope.staticResourceType)
  let decision = combine(policy.algorithm, children, evaluateNode, scope, applicability)
  if (match === INDETERMINATE) decision = underIndeterminateTarget(decision)
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
  if (decision === 'Permit' && policy.permitEntry !== undefined) trail.push(policy.permitEntry)
  else if (decision === 'Deny' && policy.denyEntry !== undefined) trail.push(policy.denyEntry)
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
