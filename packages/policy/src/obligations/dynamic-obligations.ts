import type { AttributePath } from '../model/attribute-path.js'
import type { ConditionImpl } from '../model/condition-impl.js'
import { ConditionError } from '../operators/condition-error.js'
import { PENDING } from '../attributes/pending.js'
import type { EvaluationScope } from '../attributes/decision-state.js'
import { builtInParamProblems, type CompiledObligation } from './obligation-spec.js'

/**
 * A compiled obligation that is attached only under a condition (`when`) and/or takes
 * parameters from attributes (`paramsFrom`). Internal: results carry plain obligations.
 */
export interface DynamicObligation extends CompiledObligation {
  readonly when?: ConditionImpl
  readonly paramsFrom?: Readonly<Record<string, AttributePath>>
}

/**
 * True when one of the obligations is resolved per decision.
 *
 * @example
 * ```ts
 * isDynamic(rule.obligations) // false for static obligations
 * ```
 */
export function isDynamic(list: readonly CompiledObligation[]): boolean {
  return list.some((o) => (o as DynamicObligation).when !== undefined || (o as DynamicObligation).paramsFrom !== undefined)
}

/**
 * Resolves obligations for one decision: drops those whose `when` is false, fills parameters
 * from attributes and checks a built-in's parameters again. For obligations (`strict`) a
 * condition error, a missing attribute or invalid parameters throw a `ConditionError`, which
 * makes the node Indeterminate; advice that cannot be resolved is dropped (advice may be ignored).
 *
 * @example
 * ```ts
 * const obligations = resolveObligations(rule.obligations, scope, true)
 * ```
 */
export function resolveObligations(list: readonly CompiledObligation[], scope: EvaluationScope, strict: boolean): readonly CompiledObligation[] {
  if (!isDynamic(list)) return list
  const out: CompiledObligation[] = []
  for (const obligation of list) {
    const { when, paramsFrom } = obligation as DynamicObligation
    try {
      if (when !== undefined) {
        const holds = when.evaluate(scope)
        if (holds === false) continue
        if (holds !== true) throw new ConditionError(`the condition of obligation ${JSON.stringify(obligation.id)} returned a ${typeof holds}, not a boolean`)
      }
      if (paramsFrom === undefined) {
        out.push({ id: obligation.id, fulfillOn: obligation.fulfillOn, params: obligation.params })
        continue
      }
      const params: Record<string, unknown> = { ...obligation.params }
      for (const [name, path] of Object.entries(paramsFrom)) {
        const value = scope.read(path)
        if (value === undefined || value === null) {
          scope.noteMissing(path.text)
          throw new ConditionError(`parameter ${name} of obligation ${JSON.stringify(obligation.id)}: attribute ${path.text} is missing`)
        }
        params[name] = value
      }
      const problems = builtInParamProblems(obligation.id, params)
      if (problems.length > 0) throw new ConditionError(`obligation ${JSON.stringify(obligation.id)}: ${problems.map(([p, r]) => `${p} ${r}`).join('; ')}`)
      out.push(Object.freeze({ id: obligation.id, fulfillOn: obligation.fulfillOn, params: Object.freeze(params) }))
    } catch (error) {
      // A wait for an attribute goes up (the pass is retried); unresolvable advice is dropped.
      if (strict || error === PENDING) throw error
    }
  }
  return out
}
