import { randomUUID } from 'node:crypto'
import { compileObservability, configurationError } from '@portcullis/core'
import type { Observability, PortcullisMetrics, TracerLike } from '@portcullis/core'
import type { Identity } from '@portcullis/core'
import type { PortcullisRequest } from '@portcullis/core'
import { parseAttributePath } from './model/attribute-path.js'
import type { Decision } from './algebra/decision.js'
import { compileEnvironment, type PolicyEnvironmentOptions } from './environment/environment-options.js'
import { compilePolicy, evaluateNode, type CompiledPolicy } from './algebra/evaluate.js'
import { DecisionExplanation, ExplanationLog, type Explanation } from './explanations/explanation.js'
import { loadPolicyDocument } from './json/document.js'
import type { PolicyNode } from './model/model.js'
import type { CompiledObligation } from './obligations/obligation-spec.js'
import { compileObligationHandlers, type ObligationHandler } from './obligations/obligation-handlers.js'
import { PENDING } from './attributes/pending.js'
import { compileProviders, type AttributeProvider, type CompiledProvider } from './attributes/providers.js'
import { EvaluationScope, type RiskAssessment, type ScopeRuntime, type TrailEntry } from './attributes/decision-state.js'
import { makeView } from './attributes/attribute-views.js'
import type { ObligationHandlerMap } from './obligations/obligation-handlers.js'

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
  readonly infrastructureFailure: boolean
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
  /** @internal obligation handlers for the PEP. */
  readonly obligationHandlers: ReadonlyMap<string, ObligationHandler>
  /** @internal */
  readonly clock: () => number
  /** @internal metrics and tracer of this engine (override the request's). */
  readonly observability?: Observability
}

const MAX_PASSES = 32
const NONE: CompiledObligation[] = []

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
  const clock = options.clock ?? Date.now
  if (typeof clock !== 'function') throw configurationError('policy engine: clock must be a function returning ms')
  const cacheSize = options.providerCacheSize ?? 10_000
  if (!Number.isInteger(cacheSize) || cacheSize < 0) throw configurationError('policy engine: providerCacheSize must be an integer >= 0')
  const resourceTimeout = options.resourceTimeout ?? 2000
  if (typeof resourceTimeout !== 'number' || !(resourceTimeout > 0 && resourceTimeout <= 60_000)) {
    throw configurationError('policy engine: resourceTimeout must be a number of ms in (0, 60000]')
  }
  const observability = compileObservability(options, 'policy engine: ')
  const keep = options.keepExplanations ?? 100
  if (!Number.isInteger(keep) || keep < 0) throw configurationError('policy engine: keepExplanations must be an integer >= 0')
  const providers = compileProviders(options.providers, clock, cacheSize)
  const byCategory = (category: 'subject' | 'environment'): Map<string, CompiledProvider> =>
    new Map([...providers.values()].filter((p) => p.category === category).map((p) => [p.name, p]))
  if (providers.has('environment.deviceTrust') && options.environment?.deviceTrust !== undefined) {
    throw configurationError('policy engine: environment.deviceTrust comes from the header option or from a deviceTrust provider, not both')
  }
  const runtime: ScopeRuntime = {
    subjectProviders: byCategory('subject'),
    environmentProviders: byCategory('environment'),
    environment: compileEnvironment(options.environment),
    resourceTimeout,
    parsePath: parseAttributePath,
  }
  const handlers = compileObligationHandlers(options.obligationHandlers)
  const log = new ExplanationLog(keep)

  let current: { node: PolicyNode; compiled: CompiledPolicy } = { node: checkNode(initial), compiled: compilePolicy(checkNode(initial)) }

  function finish(scope: EvaluationScope, root: CompiledPolicy, decision: Decision): DecisionResult {
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
    })
    log.add(explanation)
    return { decisionId, decision, obligations, advice, infrastructureFailure: scope.infrastructureFailures.length > 0, explanation }
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
    for (let i = 0; i < MAX_PASSES; i++) {
      await Promise.all(scope.waits)
      const decision = pass(scope, root)
      if (decision !== PENDING) return finish(scope, root, decision as Decision)
    }
    scope.addError(root.id, `attributes still pending after ${MAX_PASSES} passes`)
    return finish(scope, root, 'Indeterminate{DP}')
  }

  return {
    get policy() {
      return current.node
    },
    obligationHandlers: handlers,
    clock,
    observability,
    decide(request) {
      const snapshot = current.compiled // atomic: this decision uses one policy version
      let scope: EvaluationScope
      try {
        scope = new EvaluationScope(runtime, request.action, request.resourceType, request.identity, request.request, clock(), request.resource, makeView)
      } catch {
        return Promise.reject(configurationError('policy engine: invalid decision request'))
      }
      const decision = pass(scope, snapshot)
      if (decision !== PENDING) return Promise.resolve(finish(scope, snapshot, decision as Decision))
      return decideAsync(scope, snapshot)
    },
    explain(decisionId) {
      return log.get(decisionId)
    },
    update(policy) {
      const node = isNode(policy) ? policy : loadPolicyDocument(policy)
      current = { node, compiled: compilePolicy(node) }
    },
  }
}
