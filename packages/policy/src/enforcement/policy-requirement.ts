import { randomUUID } from 'node:crypto'
import type { AuditLevel, AuthContext } from '@portcullis/core'
import { configurationError, type PortcullisError } from '@portcullis/core'
import type { Enforcement as RequirementEnforcement, Requirement, RequirementInput } from '@portcullis/core'
import { SPAN_ATTRIBUTES as ATTR, SPAN_NAMES, failSpan } from '@portcullis/core'
import type { DecisionOutcome, SpanLike } from '@portcullis/core'
import type { DecisionResult, PolicyEngine } from '../engine.js'
import type { Enforcement, Explanation } from '../explanations/explanation.js'
import { engineInternals } from '../internal/engine-internals.js'
import { runHandler, type ObligationContext } from '../obligations/obligation-handlers.js'

/**
 * Options of `requirePolicy(engine, options)`.
 *
 * @example
 * ```ts
 * const options: PolicyRouteOptions<{ params: { id: string } }> = {
 *   action: 'read',
 *   resourceType: 'document',
 *   resource: (req) => documents.get(req.params.id),
 * }
 * ```
 */
export interface PolicyRouteOptions<In> {
  /** The action (validated at creation): `read`, `documents:update`, ... */
  readonly action: string
  /**
   * Loads the resource from the adapter's input (`req` / `ctx`): called lazily (only when a
   * candidate rule reads the resource), at most once, time-boxed. A failure makes the rules
   * that need it Indeterminate, never Permit.
   */
  readonly resource?: (input: In) => unknown
  /** The resource type of the route; indexes the rules. Default: the loaded resource's `type`. */
  readonly resourceType?: string
}

/**
 * What a permitted request carries to the handler.
 *
 * @example
 * ```ts
 * const { decisionId, responseHeaders }: PolicyEnforcement = await requirement.enforce({ request, identity, context, input: req })
 * ```
 */
export interface PolicyEnforcement extends RequirementEnforcement {
  readonly decisionId: string
  /** Headers from the response-headers obligation; the adapter sets them on the response. */
  readonly responseHeaders: Readonly<Record<string, string>>
}

/**
 * The framework-neutral `requirePolicy`: a core `Requirement`, so the adapters mount it like
 * any other.
 *
 * @example
 * ```ts
 * const requirement: PolicyRequirement<Request> = createPolicyRequirement(engine, { action: 'read' })
 * ```
 */
export interface PolicyRequirement<In> extends Requirement<In> {
  readonly action: string
  readonly resourceType: string | undefined
  /**
   * Resolves only on Permit with every obligation discharged. Otherwise rejects with a
   * `PortcullisError`, and only that: 403 `access_denied` (body `{ error, decision_id }`),
   * 401 `insufficient_user_authentication` (step-up), or 503 when an infrastructure provider failed.
   */
  enforce(input: RequirementInput<In>): Promise<PolicyEnforcement>
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({})
function toPlain(explanation: Explanation): unknown {
  const json = (explanation as { toJSON?: () => unknown }).toJSON
  return typeof json === 'function' ? json.call(explanation) : explanation
}

const RANK: Record<AuditLevel, number> = { INFO: 0, WARN: 1, CRITICAL: 2 }
const DECIDE_OPTIONS = { kind: 0 } // SpanKind.INTERNAL
const METRIC_OUTCOME: Record<Enforcement['outcome'], DecisionOutcome> = { permit: 'permit', deny: 'deny', 'step-up': 'step_up', unavailable: 'error' }

/**
 * Compiles a route's policy requirement (mirrors `createScopeRequirement`). The PEP is
 * deny-biased: only Permit with all obligations discharged lets the request through.
 *
 * @example
 * ```ts
 * const requirement = createPolicyRequirement(engine, { action: 'read', resource: (req) => docs.get(req.params.id) })
 * const { decisionId, responseHeaders } = await requirement.enforce({ request, identity, context, input: req })
 * ```
 */
export function createPolicyRequirement<In>(engine: PolicyEngine, options: PolicyRouteOptions<In>): PolicyRequirement<In> {
  const internals = engineInternals(engine)
  if (internals === undefined || typeof engine.decide !== 'function') {
    throw configurationError('requirePolicy: the first argument must be a policy engine (createPolicyEngine)')
  }
  const { obligationHandlers, clock, observability } = internals
  if (typeof options !== 'object' || options === null) throw configurationError('requirePolicy: options { action, resource? } are required')
  const { action, resource, resourceType } = options
  if (typeof action !== 'string' || !NAME.test(action)) throw configurationError(`requirePolicy: action ${JSON.stringify(action)} must match ${NAME.source}`)
  if (resource !== undefined && typeof resource !== 'function') throw configurationError('requirePolicy: resource must be a function (input) => resource')
  if (resourceType !== undefined && (typeof resourceType !== 'string' || !NAME.test(resourceType))) {
    throw configurationError(`requirePolicy: resourceType ${JSON.stringify(resourceType)} must match ${NAME.source}`)
  }

  type EnforceArgs = Parameters<PolicyRequirement<In>['enforce']>[0]

  async function enforceIn({ request, identity, input }: EnforceArgs, context: AuthContext, span: SpanLike | undefined): Promise<PolicyEnforcement> {
      const { rejections, auditor } = context
      const metrics = observability?.metrics ?? context.observability?.metrics
      const started = auditor.enabled ? performance.now() : 0
      let result: DecisionResult
      try {
        result = await engine.decide({
          action,
          resourceType,
          identity,
          request,
          ...(resource === undefined ? {} : { resource: () => resource(input) }),
        })
      } catch {
        metrics?.recordDecision('policy', 'deny')
        span?.setAttribute(ATTR.decisionOutcome, 'deny')
        throw rejections.accessDenied(randomUUID())
      }
      const { decisionId, explanation } = result
      let level: AuditLevel = 'INFO'
      const headers: Record<string, string> = {}
      let denial: PortcullisError | undefined
      let enforcement: Enforcement

      const obligationContext: ObligationContext = {
        identity,
        request,
        decision: result.decision === 'Deny' ? 'Deny' : 'Permit',
        now: clock(),
      }
      const discharge = (): Enforcement | undefined => {
        for (const obligation of result.obligations) {
          const handler = obligationHandlers.get(obligation.id)
          if (handler === undefined) return { outcome: 'deny', reason: `obligation ${JSON.stringify(obligation.id)} has no handler` }
          const outcome = runHandler(handler, obligation, obligationContext)
          if (!outcome.fulfilled) {
            if (outcome.stepUp !== undefined) {
              denial = rejections.insufficientUserAuthentication(outcome.stepUp)
              return { outcome: 'step-up', reason: outcome.reason ?? 'step-up required' }
            }
            return { outcome: 'deny', reason: `obligation ${JSON.stringify(obligation.id)} not fulfilled: ${outcome.reason ?? ''}` }
          }
          if (outcome.headers !== undefined) Object.assign(headers, outcome.headers)
          if (outcome.auditLevel !== undefined && RANK[outcome.auditLevel] > RANK[level]) level = outcome.auditLevel
        }
        for (const advice of result.advice) {
          const handler = obligationHandlers.get(advice.id)
          if (handler === undefined) continue // advice may be ignored
          const outcome = runHandler(handler, advice, obligationContext)
          if (outcome.fulfilled && outcome.auditLevel !== undefined && RANK[outcome.auditLevel] > RANK[level]) level = outcome.auditLevel
          if (outcome.fulfilled && outcome.headers !== undefined) Object.assign(headers, outcome.headers)
        }
        return undefined
      }

      if (result.infrastructureDecisive) {
        // The decision depends on a failed infrastructure provider (its rules could change
        // whether the request is permitted): no verdict can be given, answer 503 (retry later),
        // whichever rule would have won.
        enforcement = { outcome: 'unavailable', reason: `infrastructure provider failed and the decision depends on it: ${explanation.infrastructureFailures.join(', ')}` }
        denial = rejections.unavailable('A policy information source is unavailable', 'policy_provider', 5)
      } else if (result.decision === 'Permit') {
        enforcement = discharge() ?? { outcome: 'permit', reason: 'Permit' }
      } else if (result.decision === 'Deny') {
        // A Deny may carry a step-up obligation: "deny unless re-authenticated" answers 401.
        const failed = discharge()
        enforcement = failed?.outcome === 'step-up' ? failed : { outcome: 'deny', reason: 'Deny' }
      } else {
        enforcement = { outcome: 'deny', reason: `decision ${result.decision}` }
      }
      if (result.infrastructureFailure && !result.infrastructureDecisive && enforcement.outcome !== 'unavailable') {
        enforcement = { ...enforcement, reason: `${enforcement.reason} (the failed infrastructure provider ${explanation.infrastructureFailures.join(', ')} could not change it)` }
      }
      explanation.enforcement = enforcement
      metrics?.recordDecision('policy', METRIC_OUTCOME[enforcement.outcome])
      if (span !== undefined) {
        span.setAttribute(ATTR.decision, result.decision)
        span.setAttribute(ATTR.decisionOutcome, enforcement.outcome)
        span.setAttribute(ATTR.decisionId, decisionId)
        span.setAttribute(ATTR.policyId, explanation.policy)
        const rule = explanation.determining[0]
        if (rule !== undefined) span.setAttribute(ATTR.ruleName, rule)
        // A deny or step-up is the decision working; only a decision that could not be made
        // (an infrastructure provider failed: 503) is an error of the span.
        if (enforcement.outcome === 'unavailable') failSpan(span, 'policy_provider', 'A policy information source is unavailable')
      }

      if (enforcement.outcome === 'permit') {
        if (auditor.enabled) {
          auditor.emit('authz_success', level, request, {
            outcome: 'success', reason: 'policy', description: 'The policy permits the request', identity, decisionId, explanation: toPlain(explanation),
            latencyMs: performance.now() - started,
          })
        }
        return { decisionId, responseHeaders: Object.keys(headers).length === 0 ? NO_HEADERS : Object.freeze(headers) }
      }
      const error = denial ?? rejections.accessDenied(decisionId)
      if (auditor.enabled) {
        // OWASP logging vocabulary: authz_fail is CRITICAL (as for scope failures).
        auditor.emit('authz_fail', 'CRITICAL', request, {
          outcome: enforcement.outcome === 'unavailable' ? 'unknown' : 'failure',
          reason: 'policy',
          description: enforcement.reason,
          identity,
          decisionId,
          explanation: toPlain(explanation),
          latencyMs: performance.now() - started,
        })
      }
      throw error
  }

  return {
    action,
    resourceType,
    enforce(args) {
      const context = args.context
      const tracer = observability?.tracer ?? context.observability?.tracer
      if (tracer === undefined) return enforceIn(args, context, undefined)
      // Attribute providers and the resource loader run inside the decision span's context.
      return tracer.startActiveSpan(SPAN_NAMES.decide, DECIDE_OPTIONS, (span) => {
        span.setAttribute(ATTR.action, action)
        if (resourceType !== undefined) span.setAttribute(ATTR.resourceType, resourceType)
        return enforceIn(args, context, span).finally(() => span.end())
      })
    },
  }
}
