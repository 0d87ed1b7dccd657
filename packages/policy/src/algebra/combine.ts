import type { CombiningAlgorithm, Decision } from './decision.js'

/**
 * Evaluates one child for a combining algorithm (a module-level function: no closure per call).
 *
 * @example
 * ```ts
 * const evaluate: ChildEvaluator<Decision, undefined> = (decision) => decision
 * ```
 */
export type ChildEvaluator<T, C> = (child: T, context: C) => Decision

/**
 * Target-only applicability of a child, for `only-one-applicable` (XACML C.9).
 *
 * @example
 * ```ts
 * combine('only-one-applicable', policies, evaluate, context, (p) => (p.target === undefined ? 'match' : 'no-match'))
 * ```
 */
export type Applicability = 'match' | 'no-match' | 'indeterminate'

/**
 * Combines children with one of the XACML 3.0 algorithms (Appendix C), evaluating them in
 * order and lazily: deny-overrides stops at the first Deny, permit-overrides and
 * deny-unless-permit at the first Permit, permit-unless-deny at the first Deny,
 * first-applicable at the first applicable child. `only-one-applicable` needs the target-only
 * applicability of each child; without `applicable` it is refused (rules have no such algorithm).
 *
 * @example
 * ```ts
 * combine('deny-overrides', ['Permit', 'Indeterminate{D}'], (d) => d, undefined) // 'Indeterminate{DP}'
 * ```
 */
export function combine<T, C>(
  algorithm: CombiningAlgorithm,
  children: readonly T[],
  evaluate: ChildEvaluator<T, C>,
  context: C,
  applicable?: (child: T, context: C) => Applicability,
): Decision {
  switch (algorithm) {
    case 'deny-overrides':
      return denyOverrides(children, evaluate, context)
    case 'permit-overrides':
      return permitOverrides(children, evaluate, context)
    case 'first-applicable':
      return firstApplicable(children, evaluate, context)
    case 'deny-unless-permit':
      for (let i = 0; i < children.length; i++) if (evaluate(children[i] as T, context) === 'Permit') return 'Permit'
      return 'Deny'
    case 'permit-unless-deny':
      for (let i = 0; i < children.length; i++) if (evaluate(children[i] as T, context) === 'Deny') return 'Deny'
      return 'Permit'
    case 'only-one-applicable':
      if (applicable === undefined) return 'Indeterminate{DP}'
      return onlyOneApplicable(children, evaluate, context, applicable)
    default:
      // An unknown algorithm is refused at load; if one slips through, fail closed.
      return 'Indeterminate{DP}'
  }
}

function denyOverrides<T, C>(children: readonly T[], evaluate: ChildEvaluator<T, C>, context: C): Decision {
  let iD = false
  let iP = false
  let iDP = false
  let permit = false
  for (let i = 0; i < children.length; i++) {
    switch (evaluate(children[i] as T, context)) {
      case 'Deny':
        return 'Deny'
      case 'Indeterminate{DP}':
        iDP = true
        break
      case 'Indeterminate{D}':
        iD = true
        break
      case 'Indeterminate{P}':
        iP = true
        break
      case 'Permit':
        permit = true
        break
      default:
        break
    }
  }
  if (iDP) return 'Indeterminate{DP}'
  if (iD && (iP || permit)) return 'Indeterminate{DP}'
  if (iD) return 'Indeterminate{D}'
  if (permit) return 'Permit'
  if (iP) return 'Indeterminate{P}'
  return 'NotApplicable'
}

function permitOverrides<T, C>(children: readonly T[], evaluate: ChildEvaluator<T, C>, context: C): Decision {
  let iD = false
  let iP = false
  let iDP = false
  let deny = false
  for (let i = 0; i < children.length; i++) {
    switch (evaluate(children[i] as T, context)) {
      case 'Permit':
        return 'Permit'
      case 'Indeterminate{DP}':
        iDP = true
        break
      case 'Indeterminate{D}':
        iD = true
        break
      case 'Indeterminate{P}':
        iP = true
        break
      case 'Deny':
        deny = true
        break
      default:
        break
    }
  }
  if (iDP) return 'Indeterminate{DP}'
  if (iP && (iD || deny)) return 'Indeterminate{DP}'
  if (iP) return 'Indeterminate{P}'
  if (deny) return 'Deny'
  if (iD) return 'Indeterminate{D}'
  return 'NotApplicable'
}

// C.8 does not track extended values: its Indeterminate counts as Indeterminate{DP} (C.1).
function firstApplicable<T, C>(children: readonly T[], evaluate: ChildEvaluator<T, C>, context: C): Decision {
  for (let i = 0; i < children.length; i++) {
    const decision = evaluate(children[i] as T, context)
    if (decision === 'NotApplicable') continue
    if (decision === 'Permit' || decision === 'Deny') return decision
    return 'Indeterminate{DP}'
  }
  return 'NotApplicable'
}

// C.9: applicability by target only; an Indeterminate target or two matches is Indeterminate.
function onlyOneApplicable<T, C>(
  children: readonly T[],
  evaluate: ChildEvaluator<T, C>,
  context: C,
  applicable: (child: T, context: C) => Applicability,
): Decision {
  let selected: T | undefined
  let found = false
  for (let i = 0; i < children.length; i++) {
    const child = children[i] as T
    const applicability = applicable(child, context)
    if (applicability === 'indeterminate') return 'Indeterminate{DP}'
    if (applicability === 'match') {
      if (found) return 'Indeterminate{DP}'
      found = true
      selected = child
    }
  }
  return found ? evaluate(selected as T, context) : 'NotApplicable'
}
