import type { Decision } from './decision.js'
import type { CompiledObligation } from './obligation-spec.js'
import type { RiskAssessment, RuleError } from './scope.js'

/** How the PEP acted on a decision. */
export interface Enforcement {
  readonly outcome: 'permit' | 'deny' | 'step-up' | 'unavailable'
  /** Why, e.g. `obligation "x" has no handler`, `decision NotApplicable`. */
  readonly reason: string
}

/**
 * Why a decision came out as it did. Goes to `explain()` and to audit events; never to the
 * client, which only sees the decision id.
 *
 * @example
 * ```ts
 * const explanation = engine.explain(decisionId)
 * console.log(explanation?.determining, explanation?.errors, explanation?.attributes)
 * ```
 */
export interface Explanation {
  readonly decisionId: string
  /** The extended decision of the root node. */
  readonly decision: Decision
  readonly action: string
  readonly resourceType: string | undefined
  /** Id of the root policy or policy set. */
  readonly policy: string
  /** ISO 8601 time of the decision (engine clock). */
  readonly time: string
  /** Rules whose effect is the decision, on paths that agree with it. */
  readonly determining: readonly string[]
  /** Rules, policies or targets that were Indeterminate, with the reason (missing attribute, failed provider, ...). */
  readonly errors: readonly RuleError[]
  readonly obligations: readonly CompiledObligation[]
  readonly advice: readonly CompiledObligation[]
  /** Attribute values read by the evaluated conditions (objects summarized, strings truncated). */
  readonly attributes: Readonly<Record<string, unknown>>
  /** The risk assessment, when a condition read it. */
  readonly risk: RiskAssessment | undefined
  /** Providers marked `infrastructure` that failed. */
  readonly infrastructureFailures: readonly string[]
  /** Set by the PEP. */
  enforcement: Enforcement | undefined
}

/**
 * A short, bounded rendering of an attribute value for explanations and audit: primitives as
 * they are (strings cut at 256 characters), arrays of up to 16 primitives, objects as their
 * first 16 keys with primitive values.
 *
 * @example
 * ```ts
 * summarize({ owner: 'alice', body: { large: true } }) // { owner: 'alice', body: '[object]' }
 * ```
 */
export function summarize(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined || typeof value === 'boolean' || typeof value === 'number') return value
  if (typeof value === 'string') return value.length > 256 ? `${value.slice(0, 256)}…` : value
  if (typeof value === 'bigint' || typeof value === 'symbol' || typeof value === 'function') return `[${typeof value}]`
  if (depth > 0) return Array.isArray(value) ? `[array of ${value.length}]` : '[object]'
  if (Array.isArray(value)) {
    const items = value.slice(0, 16).map((item: unknown) => summarize(item, depth + 1))
    return value.length > 16 ? [...items, `… ${value.length - 16} more`] : items
  }
  const out: Record<string, unknown> = {}
  let count = 0
  for (const key of Object.keys(value)) {
    if (count++ >= 16) {
      out['…'] = 'more keys'
      break
    }
    out[key] = summarize((value as Record<string, unknown>)[key], depth + 1)
  }
  return out
}

/**
 * A bounded ring of recent explanations, looked up by decision id.
 *
 * @example
 * ```ts
 * const recent = new ExplanationLog(1000)
 * recent.add(explanation)
 * recent.get(explanation.decisionId)
 * ```
 */
export class ExplanationLog {
  private readonly entries = new Map<string, Explanation>()

  constructor(private readonly capacity: number) {}

  add(explanation: Explanation): void {
    if (this.capacity <= 0) return
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next()
      if (oldest.done !== true) this.entries.delete(oldest.value)
    }
    this.entries.set(explanation.decisionId, explanation)
  }

  get(decisionId: string): Explanation | undefined {
    return this.entries.get(decisionId)
  }
}
