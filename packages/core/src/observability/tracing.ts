/** A span attribute value (the OpenTelemetry `AttributeValue` primitives and string arrays). */
export type SpanAttributeValue = string | number | boolean | string[]

/**
 * The part of an OpenTelemetry `Span` (`@opentelemetry/api`) Portcullis uses.
 *
 * @example
 * ```ts
 * tracer.startActiveSpan('work', {}, (span: SpanLike) => span.end())
 * ```
 */
export interface SpanLike {
  setAttribute(key: string, value: SpanAttributeValue): unknown
  setStatus(status: { code: number; message?: string }): unknown
  end(): void
}

/**
 * An OpenTelemetry `Tracer` (`trace.getTracer('portcullis')` from `@opentelemetry/api`, an
 * optional peer dependency: the core never imports it). Policy decisions use
 * `startActiveSpan`, so that attribute providers and resource loaders run in the decision
 * span's context; token verification uses `startSpan` (it is on every request, and making a
 * span active costs a context switch), so its span is a child of the request's span.
 *
 * @example
 * ```ts
 * import { trace } from '@opentelemetry/api'
 * const tracer: TracerLike = trace.getTracer('portcullis')
 * ```
 */
export interface TracerLike {
  startActiveSpan<T>(name: string, options: SpanOptionsLike, fn: (span: SpanLike) => T): T
  startSpan(name: string, options: SpanOptionsLike): SpanLike
}

/** The options Portcullis passes when it starts a span. */
export interface SpanOptionsLike {
  kind?: number
  attributes?: Record<string, SpanAttributeValue>
}

/** OpenTelemetry `SpanStatusCode.ERROR`. */
export const SPAN_STATUS_ERROR = 2
/** OpenTelemetry `SpanKind.INTERNAL`. */
export const SPAN_KIND_INTERNAL = 0

/**
 * Span and attribute names. OpenTelemetry has no OAuth namespace: custom attributes carry the
 * application's own prefix (`portcullis.`), as the semantic conventions' naming rules ask;
 * `error.type` and `security_rule.*` are the conventions' own.
 */
export const SPAN_NAMES = {
  verify: 'portcullis.verify_token',
  decide: 'portcullis.authorize',
  propagate: 'portcullis.propagate_token',
} as const

/** Attribute names on Portcullis spans. */
export const SPAN_ATTRIBUTES = {
  authnOutcome: 'portcullis.authn.outcome',
  authnReason: 'portcullis.authn.reason',
  cacheHit: 'portcullis.authn.cache_hit',
  tokenFormat: 'portcullis.oauth.token_format',
  tokenType: 'portcullis.oauth.token_type',
  clientId: 'portcullis.oauth.client_id',
  scopes: 'portcullis.oauth.scope',
  httpStatus: 'portcullis.http.status_code',
  decision: 'portcullis.authz.decision',
  decisionOutcome: 'portcullis.authz.outcome',
  decisionId: 'portcullis.authz.decision_id',
  action: 'portcullis.authz.action',
  resourceType: 'portcullis.authz.resource_type',
  policyId: 'security_rule.ruleset.name',
  ruleName: 'security_rule.name',
  propagation: 'portcullis.propagation.mode',
  errorType: 'error.type',
} as const

/** Marks a span failed: only for a dependency failure (503), never for a 401/403 outcome. */
export function failSpan(span: SpanLike, errorType: string, message: string): void {
  span.setAttribute(ATTR.errorType, errorType)
  span.setStatus({ code: SPAN_STATUS_ERROR, message })
}

/** Checks that `value` looks like an OpenTelemetry tracer (for option validation). */
export function isTracer(value: unknown): value is TracerLike {
  return typeof value === 'object' && value !== null && typeof (value as { startActiveSpan?: unknown }).startActiveSpan === 'function' &&
    typeof (value as { startSpan?: unknown }).startSpan === 'function'
}

/** Short internal aliases. */
export const SPAN = SPAN_NAMES
export const ATTR = SPAN_ATTRIBUTES
