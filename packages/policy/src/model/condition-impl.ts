import type { EvaluationScope } from '../attributes/decision-state.js'
import type { Rule, RuleCondition } from './model.js'

/**
 * What the engine evaluates behind the public {@link RuleCondition} of a rule: made only by the
 * rule builders (a TypeScript predicate) and the JSON loader. Not exported by the package.
 */
export interface ConditionImpl extends RuleCondition {
  readonly evaluate: (scope: EvaluationScope) => unknown
  /** A TypeScript predicate: it may swallow the engine's internal signals. */
  readonly opaque: boolean
}

/**
 * The evaluable condition of `rule`. Every `RuleCondition` comes from `permit`/`deny` or the JSON
 * loader, which make a `ConditionImpl`; anything else lacks `evaluate`, and the engine's call
 * then throws, which makes the rule Indeterminate (fail closed), never applicable.
 */
export function conditionOf(rule: Rule): ConditionImpl | undefined {
  return rule.condition as ConditionImpl | undefined
}
