import type { AuditEvent, AuditLevel, AuditSink } from '../audit-event.js'

// Mutable array: `AnyValue` of `@opentelemetry/api-logs` has no readonly arrays, and a type the
// real `Logger.emit` cannot take would make the real `LoggerProvider` unassignable to ours.
/** A log record attribute value: what the sink writes (OpenTelemetry `AnyValue` subset). */
export type LogAttributeValue = string | number | boolean | string[]

/**
 * The log record `otelLogSink` emits: the shape of `LogRecord` in `@opentelemetry/api-logs`.
 *
 * @example
 * ```ts
 * const record: OtelLogRecordLike = { eventName: 'authz_fail', severityNumber: 17, severityText: 'CRITICAL', body: 'denied', attributes: {} }
 * ```
 */
export interface OtelLogRecordLike {
  eventName?: string
  timestamp?: Date
  severityNumber?: number
  severityText?: string
  body?: string
  attributes?: Record<string, LogAttributeValue>
}

/**
 * An OpenTelemetry `Logger` (`@opentelemetry/api-logs`), or anything with its `emit`.
 *
 * @example
 * ```ts
 * const logger: OtelLoggerLike = logs.getLogger('portcullis')
 * ```
 */
export interface OtelLoggerLike {
  emit(record: OtelLogRecordLike): void
}

/**
 * An OpenTelemetry `LoggerProvider`, or anything with its `getLogger`.
 *
 * @example
 * ```ts
 * const provider: OtelLoggerProviderLike = logs.getLoggerProvider()
 * ```
 */
export interface OtelLoggerProviderLike {
  getLogger(name: string, version?: string): OtelLoggerLike
}

// OpenTelemetry severity numbers: INFO 9, WARN 13, ERROR 17 (CRITICAL is an error, not FATAL:
// the process goes on).
const SEVERITY: Record<AuditLevel, number> = { INFO: 9, WARN: 13, CRITICAL: 17 }

/** Maps event fields to OpenTelemetry semantic-convention attributes where one exists. */
function attributesOf(event: AuditEvent): Record<string, LogAttributeValue> {
  const attributes: Record<string, LogAttributeValue> = {
    'portcullis.audit.outcome': event.outcome,
    'portcullis.audit.reason': event.reason,
    'portcullis.audit.correlation_id': event.correlation_id,
    'portcullis.audit.decision_id': event.decision_id,
    'http.request.method': event.request_method,
    'url.path': event.request_uri,
  }
  if (event.route !== undefined) attributes['http.route'] = event.route
  if (event.source_ip !== undefined) attributes['client.address'] = event.source_ip
  if (event.useragent !== undefined) attributes['user_agent.original'] = event.useragent
  if (event.user_id !== undefined) attributes['user.id'] = event.user_id
  if (event.client_id !== undefined) attributes['portcullis.oauth.client_id'] = event.client_id
  if (event.issuer !== undefined) attributes['portcullis.oauth.issuer'] = event.issuer
  if (event.token_fingerprint !== undefined) attributes['portcullis.oauth.token_fingerprint'] = event.token_fingerprint
  if (event.required_scopes !== undefined) attributes['portcullis.oauth.required_scopes'] = [...event.required_scopes]
  if (event.latency_ms !== undefined) attributes['portcullis.audit.latency_ms'] = event.latency_ms
  if (event.explanation !== undefined) attributes['portcullis.authz.explanation'] = JSON.stringify(event.explanation)
  return attributes
}

/**
 * An audit sink that emits each event as an OpenTelemetry log record (an event: `eventName` is
 * the OWASP name, identifiers are attributes). Give it a `LoggerProvider` or a `Logger` from
 * `@opentelemetry/api-logs` (an optional peer dependency; this module does not import it).
 *
 * @example
 * ```ts
 * import { logs } from '@opentelemetry/api-logs'
 * import { createAuditPipeline, otelLogSink } from '@portcullis/core'
 * const audit = createAuditPipeline({ sinks: [otelLogSink(logs.getLoggerProvider())] })
 * ```
 */
export function otelLogSink(target: OtelLoggerProviderLike | OtelLoggerLike): AuditSink {
  const provider = target as Partial<OtelLoggerProviderLike>
  const logger = typeof provider.getLogger === 'function' ? provider.getLogger('@portcullis/core') : (target as OtelLoggerLike)
  if (typeof logger !== 'object' || logger === null || typeof logger.emit !== 'function') {
    throw new TypeError('otelLogSink needs an OpenTelemetry LoggerProvider or Logger')
  }
  return function portcullisOtelLogSink(event: AuditEvent): void {
    logger.emit({
      eventName: event.event,
      timestamp: new Date(event.datetime),
      severityNumber: SEVERITY[event.level],
      severityText: event.level,
      body: event.description,
      attributes: attributesOf(event),
    })
  }
}
