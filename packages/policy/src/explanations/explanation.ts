import type { Decision } from '../algebra/decision.js'
import type { CompiledObligation } from '../obligations/obligation-spec.js'
import type { FailedAttribute, RiskAssessment, RuleError } from '../attributes/decision-state.js'

/**
 * Whether a failed `infrastructure` provider decided the outcome: `decisive` (the rules that
 * read it could change whether the request is permitted: the PEP answers 503) or
 * `irrelevant` (the decision stands whatever the provider would have said).
 *
 * @example
 * ```ts
 * if (explanation.infrastructureImpact === 'decisive') alert('directory outage blocks access')
 * ```
 */
export type InfrastructureImpact = 'decisive' | 'irrelevant'

/**
 * How the PEP acted on a decision.
 *
 * @example
 * ```ts
 * engine.explain(decisionId)?.enforcement // { outcome: 'step-up', reason: 'acr "pwd" is not one of mfa' }
 * ```
 */
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
  /** With infrastructure failures: whether they decided the outcome. */
  readonly infrastructureImpact: InfrastructureImpact | undefined
  /** Attributes a condition needed but the request did not have (e.g. `resource.department`). */
  readonly missingAttributes: readonly string[]
  /** Attributes whose provider (or loader, or risk assessment) failed, with the reason. */
  readonly failedAttributes: readonly FailedAttribute[]
  /**
   * Rules, policies and policy sets not evaluated because their combining algorithm had
   * already decided (a Deny under deny-overrides, the first applicable child, ...).
   */
  readonly notEvaluated: readonly string[]
  /** Set by the PEP. */
  enforcement: Enforcement | undefined
}

/** Raw material of an explanation, collected during the decision. */
export interface ExplanationParts {
  readonly decisionId: string
  readonly decision: Decision
  readonly action: string
  readonly resourceType: string | undefined
  readonly policy: string
  readonly now: number
  readonly determining: readonly string[]
  readonly errors: readonly RuleError[]
  readonly obligations: readonly CompiledObligation[]
  readonly advice: readonly CompiledObligation[]
  /** Flat path, value list. */
  readonly used: readonly unknown[]
  readonly risk: RiskAssessment | undefined
  readonly infrastructureFailures: readonly string[]
  readonly infrastructureImpact?: InfrastructureImpact | undefined
  readonly missing?: readonly string[]
  readonly failed?: readonly FailedAttribute[]
  /** Unevaluated children: node list, first index, node list, first index, ... */
  readonly skipped?: readonly unknown[]
}

/**
 * An explanation whose costly parts (attribute summaries, ISO time) are computed on first
 * read, so a decision nobody inspects pays for none of it. `toJSON()` gives a plain object.
 */
export class DecisionExplanation implements Explanation {
  enforcement: Enforcement | undefined = undefined
  private attributesValue: Record<string, unknown> | undefined
  private notEvaluatedValue: string[] | undefined

  constructor(private readonly parts: ExplanationParts) {}

  get decisionId(): string {
    return this.parts.decisionId
  }
  get decision(): Decision {
    return this.parts.decision
  }
  get action(): string {
    return this.parts.action
  }
  get resourceType(): string | undefined {
    return this.parts.resourceType
  }
  get policy(): string {
    return this.parts.policy
  }
  get time(): string {
    return new Date(this.parts.now).toISOString()
  }
  get determining(): readonly string[] {
    return this.parts.determining
  }
  get errors(): readonly RuleError[] {
    return this.parts.errors
  }
  get obligations(): readonly CompiledObligation[] {
    return this.parts.obligations
  }
  get advice(): readonly CompiledObligation[] {
    return this.parts.advice
  }
  get risk(): RiskAssessment | undefined {
    return this.parts.risk
  }
  get infrastructureFailures(): readonly string[] {
    return this.parts.infrastructureFailures
  }
  get infrastructureImpact(): InfrastructureImpact | undefined {
    return this.parts.infrastructureImpact
  }
  get missingAttributes(): readonly string[] {
    return this.parts.missing ?? []
  }
  get failedAttributes(): readonly FailedAttribute[] {
    return this.parts.failed ?? []
  }
  get notEvaluated(): readonly string[] {
    if (this.notEvaluatedValue === undefined) {
      const out: string[] = []
      const skipped = this.parts.skipped ?? []
      for (let i = 0; i < skipped.length; i += 2) {
        const nodes = skipped[i] as readonly { id: string }[]
        for (let j = skipped[i + 1] as number; j < nodes.length; j++) out.push((nodes[j] as { id: string }).id)
      }
      this.notEvaluatedValue = out
    }
    return this.notEvaluatedValue
  }
  get attributes(): Readonly<Record<string, unknown>> {
    if (this.attributesValue === undefined) {
      const out: Record<string, unknown> = {}
      const used = this.parts.used
      for (let i = 0; i < used.length; i += 2) out[used[i] as string] = summarize(used[i + 1])
      this.attributesValue = out
    }
    return this.attributesValue
  }

  /** A plain object (for audit sinks and logs). */
  toJSON(): Omit<Explanation, 'enforcement'> & { enforcement: Enforcement | undefined } {
    return {
      decisionId: this.decisionId,
      decision: this.decision,
      action: this.action,
      resourceType: this.resourceType,
      policy: this.policy,
      time: this.time,
      determining: this.determining,
      errors: this.errors,
      obligations: this.obligations,
      advice: this.advice,
      attributes: this.attributes,
      risk: this.risk,
      infrastructureFailures: this.infrastructureFailures,
      infrastructureImpact: this.infrastructureImpact,
      missingAttributes: this.missingAttributes,
      failedAttributes: this.failedAttributes,
      notEvaluated: this.notEvaluated,
      enforcement: this.enforcement,
    }
  }
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
  // A ring: adding is one array write on the hot path; lookups (rare) scan at most `capacity`.
  private readonly ring: (Explanation | undefined)[]
  private next = 0

  constructor(private readonly capacity: number) {
    this.ring = new Array<Explanation | undefined>(Math.max(0, capacity))
  }

  add(explanation: Explanation): void {
    if (this.capacity <= 0) return
    this.ring[this.next] = explanation
    this.next = (this.next + 1) % this.capacity
  }

  get(decisionId: string): Explanation | undefined {
    for (let i = 0; i < this.ring.length; i++) {
      const entry = this.ring[i]
      if (entry !== undefined && entry.decisionId === decisionId) return entry
    }
    return undefined
  }
}
