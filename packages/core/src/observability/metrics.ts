import { configurationError } from '../errors.js'
import { FastCounter, type PromCounterClass } from './fast-counter.js'
import { METRIC_REASONS, reasonIndex } from './reason-codes.js'

/**
 * The parts of the `prom-client` module that `createMetrics` uses. Pass the module itself
 * (`import client from 'prom-client'`): the core never imports prom-client, so applications
 * that do not want metrics do not need it installed.
 *
 * @example
 * ```ts
 * import client from 'prom-client'
 * const promClient: PromClientLike = client
 * ```
 */
export interface PromClientLike {
  // `never` parameters: any constructor fits, whatever its exact generic signature.
  readonly Counter: new (config: never) => unknown
  readonly Histogram: new (config: never) => unknown
  /** The default registry. */
  readonly register: object
}

/**
 * Options of {@link createMetrics}.
 *
 * @example
 * ```ts
 * const options: MetricsOptions = { client, registry: new client.Registry() }
 * ```
 */
export interface MetricsOptions {
  /** The prom-client module. */
  readonly client: PromClientLike
  /** Where the metrics are registered. Default: prom-client's default registry. */
  readonly registry?: object
}

/** Outcome of a token verification: 2xx, 401/400 (rejected), 503 (a dependency failed). */
export type VerificationOutcome = 'accepted' | 'rejected' | 'error'
/** Which requirement decided. */
export type DecisionRequirement = 'scope' | 'policy' | 'authentication'
/** What it decided: `error` is a 503 (nothing was decided). */
export type DecisionOutcome = 'permit' | 'deny' | 'step_up' | 'error'
/** The stores Portcullis talks to. */
export type MetricStore = 'revocation' | 'replay' | 'grants' | 'rate_limit' | 'introspection' | 'other'

/**
 * The metrics of one application (share one object between every `requireToken`). Each
 * `record*` method is a few array increments: safe on the request path. The `record*`
 * methods are public so that stores and limiters built on the core can report too.
 *
 * @example
 * ```ts
 * const metrics: PortcullisMetrics = createMetrics({ client, registry })
 * app.use(requireToken({ issuer, audience, metrics }))
 * ```
 */
export interface PortcullisMetrics {
  readonly registry: object
  /** `portcullis_token_verifications_total{outcome, reason}`; `reason` is folded into a fixed set. */
  recordVerification(outcome: VerificationOutcome, reason: string): void
  /** `portcullis_authz_decisions_total{requirement, decision}`. */
  recordDecision(requirement: DecisionRequirement, decision: DecisionOutcome): void
  /** `portcullis_token_cache_lookups_total{result}`. */
  recordTokenCache(hit: boolean): void
  /** `portcullis_jwks_fetches_total{outcome, trigger}`. */
  recordJwksFetch(outcome: 'success' | 'failure', trigger: 'initial' | 'ttl' | 'unknown_kid'): void
  /** `portcullis_introspection_requests_total{outcome}` and `portcullis_introspection_duration_seconds{outcome}`. */
  recordIntrospection(outcome: 'active' | 'inactive' | 'error', seconds: number): void
  /** `portcullis_store_errors_total{store}`. */
  recordStoreError(store: MetricStore): void
  /** `portcullis_fail_open_total{feature}`: a store was down and the feature let the request through. */
  recordFailOpen(feature: MetricStore): void
  /** `portcullis_rate_limit_rejections_total`. */
  recordRateLimited(): void
  /** `portcullis_audit_events_dropped_total`. */
  recordAuditDropped(): void
  /** `portcullis_anomalies_total{kind}`: a kind outside the built-in ones counts as `other`. */
  recordAnomaly(kind: string): void
}

const OUTCOMES = ['accepted', 'rejected', 'error'] as const
const REQUIREMENTS = ['scope', 'policy', 'authentication'] as const
const DECISIONS = ['permit', 'deny', 'step_up', 'error'] as const
const STORES = ['revocation', 'replay', 'grants', 'rate_limit', 'introspection', 'other'] as const
const TRIGGERS = ['initial', 'ttl', 'unknown_kid'] as const
const INTROSPECTION = ['active', 'inactive', 'error'] as const
const ANOMALY_KINDS = ['new_zone', 'new_country', 'impossible_travel', 'rate_spike', 'other'] as const

function indexer<T extends string>(values: readonly T[], fallback?: T): (value: T) => number {
  const map = new Map<string, number>(values.map((value, i) => [value, i]))
  const other = fallback === undefined ? 0 : (map.get(fallback) as number)
  return (value) => map.get(value) ?? other
}

interface HistogramLike {
  observe(labels: Record<string, string>, value: number): void
}

/**
 * Creates Portcullis's Prometheus metrics on a prom-client registry. Names follow the
 * Prometheus conventions: the `portcullis_` prefix, `_total` for counters, base units
 * (`_seconds`). Label values come from fixed sets: never a subject, a token, a raw path or
 * a string an issuer chose. Call it once per registry (prom-client refuses duplicate names).
 *
 * @example
 * ```ts
 * import client from 'prom-client'
 * import { createMetrics } from '@portcullis/core'
 * const registry = new client.Registry()
 * const metrics = createMetrics({ client, registry })
 * app.use(requireToken({ issuer, audience, metrics }))
 * app.get('/metrics', async (_req, res) => res.type(registry.contentType).send(await registry.metrics()))
 * ```
 */
export function createMetrics(options: MetricsOptions): PortcullisMetrics {
  if (typeof options !== 'object' || options === null) throw configurationError('createMetrics needs { client, registry? }')
  const { client } = options
  if (typeof client !== 'object' || client === null || typeof client.Counter !== 'function' || typeof client.Histogram !== 'function') {
    throw configurationError('createMetrics: client must be the prom-client module')
  }
  const registry = options.registry ?? client.register
  if (typeof registry !== 'object' || registry === null) throw configurationError('createMetrics: registry must be a prom-client Registry')
  const Counter = client.Counter as unknown as PromCounterClass
  const counter = (name: string, help: string, labels: readonly string[] = [], values: ReadonlyArray<readonly string[]> = []): FastCounter =>
    new FastCounter(Counter, registry, name, help, labels, values)

  const verifications = counter('portcullis_token_verifications_total', 'Access token verifications by outcome and reason.', ['outcome', 'reason'], [OUTCOMES, METRIC_REASONS])
  const decisions = counter('portcullis_authz_decisions_total', 'Authorization decisions by requirement and decision.', ['requirement', 'decision'], [REQUIREMENTS, DECISIONS])
  const cache = counter('portcullis_token_cache_lookups_total', 'Verified-token cache lookups by result.', ['result'], [['hit', 'miss']])
  const jwks = counter('portcullis_jwks_fetches_total', 'JWKS fetches by outcome and trigger.', ['outcome', 'trigger'], [['success', 'failure'], TRIGGERS])
  const introspection = counter('portcullis_introspection_requests_total', 'Token introspection requests (RFC 7662) by outcome.', ['outcome'], [INTROSPECTION])
  const storeErrors = counter('portcullis_store_errors_total', 'Store operations that failed or timed out, by store.', ['store'], [STORES])
  const failOpen = counter('portcullis_fail_open_total', 'Requests let through while a store was down, by feature.', ['feature'], [STORES])
  const rateLimited = counter('portcullis_rate_limit_rejections_total', 'Requests refused by a rate limit.')
  const auditDropped = counter('portcullis_audit_events_dropped_total', 'Audit events dropped because the audit buffer was full.')
  const anomalies = counter('portcullis_anomalies_total', 'Anomaly signals raised, by kind (custom kinds as other).', ['kind'], [ANOMALY_KINDS])
  // Off the request path (a network call): prom-client's histogram directly.
  const Histogram = client.Histogram as unknown as new (config: object) => HistogramLike
  const introspectionSeconds = new Histogram({
    name: 'portcullis_introspection_duration_seconds',
    help: 'Duration of token introspection requests, in seconds.',
    labelNames: ['outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })

  const outcome = indexer(OUTCOMES)
  const requirement = indexer(REQUIREMENTS)
  const decision = indexer(DECISIONS)
  const store = indexer(STORES, 'other')
  const trigger = indexer(TRIGGERS)
  const intro = indexer(INTROSPECTION)
  const anomalyKind = indexer(ANOMALY_KINDS as readonly string[], 'other')
  const reasons = METRIC_REASONS.length
  const cacheHit = cache.slot(0)
  const cacheMiss = cache.slot(1)

  return {
    registry,
    recordVerification(o, reason) {
      verifications.add(outcome(o) * reasons + reasonIndex(reason))
    },
    recordDecision(r, d) {
      decisions.add(requirement(r) * DECISIONS.length + decision(d))
    },
    recordTokenCache(hit) {
      cache.add(hit ? cacheHit : cacheMiss)
    },
    recordJwksFetch(o, t) {
      jwks.add((o === 'success' ? 0 : 1) * TRIGGERS.length + trigger(t))
    },
    recordIntrospection(o, seconds) {
      introspection.add(intro(o))
      if (Number.isFinite(seconds) && seconds >= 0) introspectionSeconds.observe({ outcome: INTROSPECTION[intro(o)] as string }, seconds)
    },
    recordStoreError(s) {
      storeErrors.add(store(s))
    },
    recordFailOpen(s) {
      failOpen.add(store(s))
    },
    recordRateLimited() {
      rateLimited.add(0)
    },
    recordAuditDropped() {
      auditDropped.add(0)
    },
    recordAnomaly(kind) {
      anomalies.add(anomalyKind(kind))
    },
  }
}
