import { randomUUID } from 'node:crypto'
import { compileObservability, configurationError, integerOption, numberOption, optionsObject } from '@portcullis/core'
import type { PortcullisMetrics, TracerLike } from '@portcullis/core'
import type { Identity } from '@portcullis/core'
import type { PortcullisRequest } from '@portcullis/core'
import { parseAttributePath } from './model/attribute-path.js'
import type { Decision } from './algebra/decision.js'
import { compileEnvironment, type PolicyEnvironmentOptions } from './environment/environment-options.js'
import { compilePolicy, evaluateNode, type CompiledPolicy } from './algebra/evaluate.js'
import { DecisionExplanation, ExplanationLog, type Explanation, type InfrastructureImpact } from './explanations/explanation.js'
import { loadPolicyDocument } from './json/document.js'
import type { PolicyNode } from './model/model.js'
import type { CompiledObligation } from './obligations/obligation-spec.js'
import { compileObligationHandlers } from './obligations/obligation-handlers.js'
import { attachEngineInternals } from './internal/engine-internals.js'
import { PENDING } from './attributes/pending.js'
import { compileProviders, type AttributeProvider, type CompiledProvider } from './attributes/providers.js'
import { EvaluationScope, type RiskAssessment, type ScopeRuntime, type TrailEntry } from './attributes/decision-state.js'
import { makeView } from './attributes/attribute-views.js'
import type { ObligationHandlerMap } from './obligations/obligation-handlers.js'
import { grantsProvider, type GrantsProviderOptions } from './grants/grants-provider.js'
import type { GrantService } from './grants/grant-service.js'

/**
 * Options of {@link createPolicyEngine}.
 *
 * @example
 * ```ts
 * const engine = createPolicyEngine(documents, { clock: () => Date.parse('2026-01-05T10:00:00Z'), providers: { directory } })
 * ```
 */
export interface PolicyEngineOptions {
  /** Current time in ms (default `Date.now`): `environment.time`, caches, step-up `maxAge`. */
  readonly clock?: () => number
  /** Named attribute providers (PIP): `subject.<name>` / `environment.<name>`. */
  readonly providers?: Readonly<Record<string, AttributeProvider>>
  /** Entries per provider cache (default 10,000; least recently used evicted). */
  readonly providerCacheSize?: number
  /** Time box of the route's resource loader in ms (default 2000). */
  readonly resourceTimeout?: number
  readonly environment?: PolicyEnvironmentOptions
  /** Custom obligation handlers by name (the built-ins cannot be replaced). */
  readonly obligationHandlers?: ObligationHandlerMap
  /**
   * How many recent explanations `explain()` keeps (default 100; 0 disables). Audit events
   * carry every explanation; this log is for quick lookups. A large log keeps decisions alive
   * long enough to be promoted by the garbage collector, which shows in the p99 latency.
   */
  readonly keepExplanations?: number
  /**
   * Metrics (`createMetrics()`) for the decisions enforced with this engine. Default: those of
   * the request's `requireToken()`.
   */
  readonly metrics?: PortcullisMetrics
  /**
   * OpenTelemetry tracer for a span per enforced decision; attribute providers run inside it.
   * Default: the tracer of the request's `requireToken()`.
   */
  readonly tracer?: TracerLike
  /**
   * Just-in-time grants: adds the `subject.grants` provider (the subject's active grants on
   * the decision's resource at the decision time). Same as `providers: { grants: grantsProvider(...) }`.
   */
  readonly grants?: GrantService | GrantsProviderOptions
}

/**
 * One decision request.
 *
 * @example
 * ```ts
 * await engine.decide({ action: 'read', resourceType: 'document', identity, request, resource: () => docs.get(id) })
 * ```
 */
export interface DecisionRequest {
  readonly action: string
  /** The resource type, when the route knows it (indexes the rules). */
  readonly resourceType?: string
  readonly identity: Identity | undefined
  readonly request: PortcullisRequest
  /** Loads the resource, lazily and at most once. */
  readonly resource?: () => unknown
}

/**
 * The outcome of a decision, before the PEP acts on it.
 *
 * @example
 * ```ts
 * const { decision, decisionId, obligations, explanation } = await engine.decide({ action: 'read', identity, request })
 * ```
 */
export interface DecisionResult {
  readonly decisionId: string
  readonly decision: Decision
  readonly obligations: readonly CompiledObligation[]
  readonly advice: readonly CompiledObligation[]
  /** An `infrastructure` provider failed during the decision. */
  readonly infrastructureFailure: boolean
  /**
   * The decision depends on a failed `infrastructure` provider: a rule that read it was
   * Indeterminate and its possible values could change whether the request is permitted.
   * The enforcement point answers 503 (retry later), whichever rule would have won.
   */
  readonly infrastructureDecisive: boolean
  readonly explanation: Explanation
}

/**
 * The policy decision point: evaluates the current policy, keeps recent explanations, and
 * swaps the policy atomically.
 *
 * @example
 * ```ts
 * const engine: PolicyEngine = createPolicyEngine(documents)
 * engine.update(await loadPolicyFile('./documents.json'))
 * ```
 */
export interface PolicyEngine {
  /** The policy in force. */
  readonly policy: PolicyNode
  /** Decides a request. Never rejects: errors become Indeterminate. */
  decide(request: DecisionRequest): Promise<DecisionResult>
  /** The explanation of a recent decision (bounded log), or undefined. */
  explain(decisionId: string): Explanation | undefined
  /**
   * Replaces the policy atomically: decisions in flight finish with the old one. Accepts a
   * built policy or a JSON document (string or parsed); an invalid document throws a
   * `PolicyValidationError` and the last good policy stays in force.
   */
  update(policy: PolicyNode | string | object): void
  /**
   * Forgets the values attribute providers keep across requests (their `ttl` caches), so
   * that the next decisions load them again: after a change the caches cannot have seen
   * (an operator's invalidation, a reconnection of whatever tells this process of changes).
   * Decisions in flight are not affected.
   */
  clearCaches(): void
}

const MAX_PASSES = 32
const NO_SKIPPED: unknown[] = []
const ENGINE_OPTIONS = ['clock', 'providers', 'providerCacheSize', 'resourceTimeout', 'environment', 'obligationHandlers', 'keepExplanations', 'metrics', 'tracer', 'grants']
const NONE: CompiledObligation[] = []
// The impact check tries every combination of values of the rules that read a failed
// infrastructure attribute; beyond this many rules it assumes the failure is decisive.
const MAX_WHAT_IF_RULES = 6

function isNode(value: unknown): value is PolicyNode {
  const kind = typeof value === 'object' && value !== null ? (value as { kind?: unknown }).kind : undefined
  return kind === 'policy' || kind === 'policy-set'
}

function checkNode(policy: unknown): PolicyNode {
  const kind = typeof policy === 'object' && policy !== null ? (policy as PolicyNode).kind : undefined
  if (kind !== 'policy' && kind !== 'policy-set') {
    throw configurationError('policy engine: the policy must be built with policy() / policySet() or loaded with loadPolicyDocument()')
  }
  return policy as PolicyNode
}

/**
 * Creates a policy engine. Options are validated here, once.
 *
 * @example
 * ```ts
 * const engine = createPolicyEngine(policy({ id: 'docs', rules: [permit('all-read', { actions: ['read'] })] }))
 * const result = await engine.decide({ action: 'read', identity, request })
 * result.decision // 'Permit'
 * ```
 */
export function createPolicyEngine(initial: PolicyNode, options: PolicyEngineOptions = {}): PolicyEngine {
  optionsObject(options, 'policy engine:', ENGINE_OPTIONS)
  const clock = options.clock ?? Date.now
  if (typeof clock !== 'function') throw configurationError('policy engine: clock must be a function returning ms')
  const cacheSize = integerOption(options.providerCacheSize, 'policy engine: providerCacheSize', 10_000, 0, 10_000_000)
  const resourceTimeout = numberOption(options.resourceTimeout, 'policy engine: resourceTimeout', 2000, 'ms', 1, 60_000)
  const keep = integerOption(options.keepExplanations, 'policy engine: keepExplanations', 100, 0, 1_000_000)
  const observability = compileObservability(options, 'policy engine: ')
  if (options.grants !== undefined && options.providers?.grants !== undefined) throw configurationError('policy engine: subject.grants comes from the grants option or from a grants provider, not both')
  const providers = compileProviders(options.grants === undefined ? options.providers : { ...options.providers, grants: grantsProvider(options.grants) }, clock, cacheSize)
  const byCategory = (category: 'subject' | 'environment'): Map<string, CompiledProvider> =>
    new Map([...providers.values()].filter((p) => p.category === category).map((p) => [p.name, p]))
  if (providers.has('environment.deviceTrust') && options.environment?.deviceTrust !== undefined) {
    throw configurationError('policy engine: environment.deviceTrust comes from the header option or from a deviceTrust provider, not both')
  }
  const runtime: ScopeRuntime = {
    subjectProviders: byCategory('subject'),
    environmentProviders: byCategory('environment'),
    environment: compileEnvironment(options.environment, new Set(providers.keys())),
    resourceTimeout,
    parsePath: parseAttributePath,
  }
  const handlers = compileObligationHandlers(options.obligationHandlers)
  const log = new ExplanationLog(keep)

  let current: { node: PolicyNode; compiled: CompiledPolicy } = { node: checkNode(initial), compiled: compilePolicy(checkNode(initial)) }

  function finish(scope: EvaluationScope, root: CompiledPolicy, decision: Decision, infrastructure?: InfrastructureImpact): DecisionResult {
    let obligations: CompiledObligation[] = NONE
    let advice: CompiledObligation[] = NONE
    const determining: string[] = []
    if (decision === 'Permit' || decision === 'Deny') {
      const trail = scope.trail
      for (let i = 0; i < trail.length; i++) {
        const entry = trail[i] as TrailEntry
        if (entry.effect !== decision) continue
        if (entry.rule !== undefined) determining.push(entry.rule)
        if (entry.obligations.length > 0) obligations = obligations === NONE ? [...entry.obligations] : obligations.concat(entry.obligations)
        if (entry.advice.length > 0) advice = advice === NONE ? [...entry.advice] : advice.concat(entry.advice)
      }
    }
    const risk = scope.settled('environment.risk') as RiskAssessment | undefined
    const decisionId = randomUUID()
    const explanation = new DecisionExplanation({
      decisionId,
      decision,
      action: scope.action,
      resourceType: scope.staticResourceType,
      policy: root.id,
      now: scope.now,
      determining,
      errors: scope.errors,
      obligations,
      advice,
      used: scope.used,
      risk,
      infrastructureFailures: scope.infrastructureFailures,
      infrastructureImpact: infrastructure,
      missing: scope.missing,
      failed: scope.failed,
      skipped: scope.skipped.length === 0 ? NO_SKIPPED : scope.skipped,
    })
    log.add(explanation)
    return {
      decisionId,
      decision,
      obligations,
      advice,
      infrastructureFailure: scope.infrastructureFailures.length > 0,
      infrastructureDecisive: infrastructure === 'decisive',
      explanation,
    }
  }

  // Runs passes until no attribute is pending (or the pass budget is spent: Indeterminate).
  async function settle(scope: EvaluationScope, root: CompiledPolicy): Promise<Decision> {
    for (let i = 0; i < MAX_PASSES; i++) {
      await Promise.all(scope.waits)
      const decision = pass(scope, root)
      if (decision !== PENDING) return decision as Decision
    }
    scope.addError(root.id, `attributes still pending after ${MAX_PASSES} passes`)
    return 'Indeterminate{DP}'
  }

  // Does the decision depend on a failed infrastructure provider? The rules that read one were
  // Indeterminate; evaluate again with each combination of the values they could have had
  // (their effect, or NotApplicable). If any combination changes whether the request is
  // permitted, the failure is decisive. The real pass's trail and errors are restored after.
  async function infrastructureImpact(scope: EvaluationScope, root: CompiledPolicy, decision: Decision): Promise<InfrastructureImpact> {
    if (scope.infrastructureTarget) return 'decisive'
    if (scope.infrastructureRules === undefined || scope.infrastructureRules.size === 0) return 'irrelevant'
    const saved = { trail: scope.trail.slice(), errors: scope.errors, used: scope.used.slice(), skipped: scope.skipped.slice(), missing: scope.missing.length, failed: scope.failed.length }
    const permitted = decision === 'Permit'
    let impact: InfrastructureImpact = 'irrelevant'
    try {
      // A what-if pass may reach rules the real pass skipped; those that read the failed
      // provider join the set and the enumeration starts over with them.
      let rules: { effect: Decision }[] = []
      search: while (scope.infrastructureRules.size > rules.length) {
        rules = [...scope.infrastructureRules] as { effect: Decision }[]
        if (rules.length > MAX_WHAT_IF_RULES) return (impact = 'decisive')
        for (let combination = 0; combination < 1 << rules.length; combination++) {
          scope.overrides = new Map(rules.map((rule, i) => [rule, combination & (1 << i) ? rule.effect : 'NotApplicable']))
          const outcome = await settle(scope, root)
          if (scope.infrastructureTarget) return (impact = 'decisive')
          if (scope.infrastructureRules.size > rules.length) continue search
          if ((outcome === 'Permit') !== permitted) return (impact = 'decisive')
        }
      }
    } finally {
      scope.overrides = undefined
      scope.trail = saved.trail
      scope.errors = saved.errors
      scope.used = saved.used
      scope.skipped = saved.skipped
      scope.missing.length = saved.missing
      scope.failed.length = saved.failed
    }
    return impact
  }

  async function finishAfterFailures(scope: EvaluationScope, root: CompiledPolicy, decision: Decision): Promise<DecisionResult> {
    return finish(scope, root, decision, await infrastructureImpact(scope, root, decision))
  }

  function pass(scope: EvaluationScope, root: CompiledPolicy): Decision | typeof PENDING {
    scope.startPass()
    try {
      return evaluateNode(root, scope)
    } catch (error) {
      if (error === PENDING) return PENDING
      // evaluateNode catches condition errors; anything else is a bug: fail closed.
      scope.addError(root.id, `evaluation failed: ${error instanceof Error ? error.message : 'unknown error'}`)
      return 'Indeterminate{DP}'
    }
  }

  async function decideAsync(scope: EvaluationScope, root: CompiledPolicy): Promise<DecisionResult> {
    const decision = await settle(scope, root)
    return scope.infrastructureFailures.length > 0 ? finishAfterFailures(scope, root, decision) : finish(scope, root, decision)
  }

  const engine: PolicyEngine = {
    get policy() {
      return current.node
    },
    decide(request) {
      const snapshot = current.compiled // atomic: this decision uses one policy version
      let scope: EvaluationScope
      try {
        scope = new EvaluationScope(runtime, request.action, request.resourceType, request.identity, request.request, clock(), request.resource, makeView)
      } catch {
        return Promise.reject(configurationError('policy engine: invalid decision request'))
      }
      const decision = pass(scope, snapshot)
      if (decision === PENDING) return decideAsync(scope, snapshot)
      if (scope.infrastructureFailures.length > 0) return finishAfterFailures(scope, snapshot, decision as Decision)
      return Promise.resolve(finish(scope, snapshot, decision as Decision))
    },
    explain(decisionId) {
      return log.get(decisionId)
    },
    update(policy) {
      const node = isNode(policy) ? policy : loadPolicyDocument(policy)
      current = { node, compiled: compilePolicy(node) }
    },
    clearCaches() {
      for (const provider of providers.values()) provider.cache?.clear()
    },
  }
  // What the policy requirement needs to discharge obligations, kept off the public type.
  return attachEngineInternals(engine, { obligationHandlers: handlers, clock, observability })
}
