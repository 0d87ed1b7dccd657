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

// Index of the child at which the last `combine` call stopped early (-1: it looked at every
// child). Nested calls finish before the outer call sets it, so the value read right after a
// call is that call's. Internal: explanations list the children left unevaluated.
let stop = -1

/**
 * Where the last {@link combine} call stopped: the index of the child that decided early, or
 * -1 when every child was evaluated. Read it immediately after the call.
 *
 * @example
 * ```ts
 * const decision = combine('deny-overrides', children, evaluate, scope)
 * const decidedAt = stoppedAt() // children after it were not evaluated
 * ```
 */
export function stoppedAt(): number {
  return stop
}

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
  stop = -1
  switch (algorithm) {
    case 'deny-overrides':
      return denyOverrides(children, evaluate, context)
    case 'permit-overrides':
      return permitOverrides(children, evaluate, context)
    case 'first-applicable':
      return firstApplicable(children, evaluate, context)
    case 'deny-unless-permit':
      for (let i = 0; i < children.length; i++) {
        if (evaluate(children[i] as T, context) === 'Permit') {
          stop = i
          return 'Permit'
        }
      }
      stop = -1
      return 'Deny'
    case 'permit-unless-deny':
      for (let i = 0; i < children.length; i++) {
        if (evaluate(children[i] as T, context) === 'Deny') {
          stop = i
          return 'Deny'
        }
      }
      stop = -1
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
        stop = i
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
  stop = -1
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
        stop = i
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
  stop = -1
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
    stop = i
    if (decision === 'Permit' || decision === 'Deny') return decision
    return 'Indeterminate{DP}'
  }
  stop = -1
  return 'NotApplicable'
}

// C.9: applicability by target only; an Indeterminate target or two matches is Indeterminate.
// Every Indeterminate it returns is Indeterminate{DP}.
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
  if (!found) return 'NotApplicable'
  const decision = evaluate(selected as T, context)
  stop = -1
  // C.9 does not track extended values either: the chosen child's Indeterminate{D} or {P}
  // reaches an enclosing algorithm as Indeterminate{DP} (C.1), like first-applicable's.
  return decision === 'Indeterminate{D}' || decision === 'Indeterminate{P}' ? 'Indeterminate{DP}' : decision
}
