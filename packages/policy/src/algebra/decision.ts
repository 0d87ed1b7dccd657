/**
 * The XACML 3.0 decision values (§7.10), with the extended Indeterminate values that record
 * which effect an erroring node could have had: `Indeterminate{D}` could have been Deny,
 * `Indeterminate{P}` could have been Permit, `Indeterminate{DP}` either.
 *
 * The PEP (`createPolicyRequirement`) is deny-biased (§7.2): only `Permit` grants access.
 *
 * @example
 * ```ts
 * const decision: Decision = 'Indeterminate{D}'
 * if (decision !== 'Permit') throw rejections.accessDenied(decisionId)
 * ```
 */
export type Decision = 'Permit' | 'Deny' | 'NotApplicable' | 'Indeterminate{D}' | 'Indeterminate{P}' | 'Indeterminate{DP}'

/**
 * The effect of a rule, and the decisions an obligation can be attached to.
 *
 * @example
 * ```ts
 * const effect: Effect = 'Deny'
 * ```
 */
export type Effect = 'Permit' | 'Deny'

/**
 * The six combining algorithms of XACML 3.0 Appendix C. Children are evaluated in the listed
 * order (the "ordered" variants), so obligations and explanations are deterministic.
 *
 * - `deny-overrides` (default): one Deny wins; an erroring deny rule blocks any Permit.
 * - `permit-overrides`: the mirror image.
 * - `first-applicable`: the first child that is not NotApplicable decides.
 * - `only-one-applicable` (policy sets only): exactly one child may match by target. Like
 *   first-applicable it does not track extended values: its Indeterminate is always {DP}.
 * - `deny-unless-permit`: Permit if a child permits, Deny otherwise (never NA/Indeterminate).
 * - `permit-unless-deny`: Deny if a child denies, Permit otherwise. **Fails open**: an erroring
 *   deny rule becomes a Permit. Use it only inside a deny-overrides parent.
 *
 * @example
 * ```ts
 * const documents = policy({ id: 'documents', algorithm: 'first-applicable', rules: [...] })
 * ```
 */
export type CombiningAlgorithm =
  | 'deny-overrides'
  | 'permit-overrides'
  | 'first-applicable'
  | 'only-one-applicable'
  | 'deny-unless-permit'
  | 'permit-unless-deny'

/**
 * Every combining algorithm, in documentation order.
 *
 * @example
 * ```ts
 * COMBINING_ALGORITHMS.includes('first-applicable') // true
 * ```
 */
export const COMBINING_ALGORITHMS: readonly CombiningAlgorithm[] = Object.freeze([
  'deny-overrides',
  'permit-overrides',
  'first-applicable',
  'only-one-applicable',
  'deny-unless-permit',
  'permit-unless-deny',
])

/**
 * True for the three extended Indeterminate values.
 *
 * @example
 * ```ts
 * isIndeterminate('Indeterminate{DP}') // true
 * ```
 */
export function isIndeterminate(decision: Decision): boolean {
  return decision === 'Indeterminate{D}' || decision === 'Indeterminate{P}' || decision === 'Indeterminate{DP}'
}

/**
 * The value a rule takes when its target or condition is Indeterminate (XACML Table 4).
 *
 * @example
 * ```ts
 * indeterminateFor('Deny') // 'Indeterminate{D}'
 * ```
 */
export function indeterminateFor(effect: Effect): Decision {
  return effect === 'Permit' ? 'Indeterminate{P}' : 'Indeterminate{D}'
}

/**
 * The value of a policy (set) whose target is Indeterminate, given what its combining
 * algorithm returned (XACML §7.13 Table 6): NA stays NA, Permit becomes Indeterminate{P},
 * Deny becomes Indeterminate{D}, an Indeterminate keeps its extension.
 *
 * @example
 * ```ts
 * underIndeterminateTarget('Permit') // 'Indeterminate{P}'
 * ```
 */
export function underIndeterminateTarget(combined: Decision): Decision {
  if (combined === 'Permit') return 'Indeterminate{P}'
  if (combined === 'Deny') return 'Indeterminate{D}'
  return combined
}

/**
 * The decision a PDP reports (§7.10): extended Indeterminate values collapse to
 * `Indeterminate`.
 *
 * @example
 * ```ts
 * pdpDecision('Indeterminate{D}') // 'Indeterminate'
 * ```
 */
export function pdpDecision(decision: Decision): 'Permit' | 'Deny' | 'NotApplicable' | 'Indeterminate' {
  return isIndeterminate(decision) ? 'Indeterminate' : (decision as 'Permit' | 'Deny' | 'NotApplicable')
}
