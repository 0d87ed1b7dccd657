import { randomUUID } from 'node:crypto'
import type { Identity } from '../identity/identity.js'
import type { PortcullisRequest } from '../request.js'
import { tokenDigest } from '../token/token-digest.js'
import type { AuditAnomalyDetails, AuditEvent, AuditEventName, AuditLevel, AuditSink } from './audit-event.js'
import { isAuditPipeline, type AuditPipeline } from './audit-pipeline.js'

// Bounded and log-safe: no spaces, quotes, control characters or CR/LF (log injection).
const CORRELATION = /^[A-Za-z0-9._:@/+=-]{1,128}$/
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/

function header(request: PortcullisRequest, name: string): string | undefined {
  const value = request.headers[name]
  return typeof value === 'string' ? value : undefined
}

/**
 * A request's correlation id. With `correlationHeader`: that header when well formed, else a
 * new UUID. Without: `x-request-id` or `x-correlation-id` when well formed, else the trace id
 * of `traceparent`, else a new UUID.
 */
export function correlationId(request: PortcullisRequest, correlationHeader?: string): string {
  if (correlationHeader !== undefined) {
    const value = header(request, correlationHeader)
    return value !== undefined && CORRELATION.test(value) ? value : randomUUID()
  }
  const inbound = header(request, 'x-request-id') ?? header(request, 'x-correlation-id')
  if (inbound !== undefined && CORRELATION.test(inbound)) return inbound
  const trace = header(request, 'traceparent')
  const match = trace === undefined ? null : TRACEPARENT.exec(trace)
  return match?.[1] ?? randomUUID()
}

/**
 * The first 8 bytes of the token's digest ({@link tokenDigest}), in hex: safe to log, and the
 * same for both spellings of an ECDSA-signed token.
 */
export function tokenFingerprint(token: string): string {
  return Buffer.from(tokenDigest(token), 'base64url').toString('hex', 0, 8)
}

function pathOf(url: string): string {
  const query = url.indexOf('?')
  const path = query === -1 ? url : url.slice(0, query)
  return path.length > 2048 ? path.slice(0, 2048) : path
}

/** Details of one event, beyond what the request gives. */
export interface AuditDetails {
  readonly outcome: AuditEvent['outcome']
  readonly reason: string
  readonly description: string
  readonly identity?: Identity | undefined
  readonly token?: string | undefined
  readonly requiredScopes?: readonly string[]
  readonly decisionId?: string
  readonly explanation?: unknown
  /** How long the step took, in milliseconds. */
  readonly latencyMs?: number
  readonly dependency?: { readonly kind: string; readonly url: string } | undefined
  /** The client address behind trusted proxies, for `source_ip` (default: the connection's peer). */
  readonly sourceIp?: string | undefined
  /** For anomaly events: the signal. */
  readonly anomaly?: AuditAnomalyDetails
}

/** Emits events to a sink; a no-op (and no work at all) when there is no sink. */
export interface Auditor {
  readonly enabled: boolean
  emit(name: AuditEventName, level: AuditLevel, request: PortcullisRequest, details: AuditDetails): void
}

const DISABLED: Auditor = { enabled: false, emit: () => undefined }

/**
 * Creates the auditor for a sink or a pipeline (or the disabled one). A plain sink is called
 * synchronously with each event, as it always was; a pipeline queues events and delivers
 * them asynchronously (see `createAuditPipeline`).
 */
export function createAuditor(target: AuditSink | AuditPipeline | undefined, clock: () => number): Auditor {
  if (target === undefined) return DISABLED
  const pipeline = isAuditPipeline(target) ? target : undefined
  const sink: AuditSink = pipeline === undefined ? (target as AuditSink) : (event) => pipeline.enqueue(event)
  const correlationHeader = pipeline?.correlationHeader
  return {
    enabled: true,
    emit(name, level, request, details) {
      // Sampling and a full buffer are decided before the event is built: a dropped event costs nothing.
      if (pipeline !== undefined && !pipeline.admit(details.outcome)) return
      const identity = details.identity
      const event: AuditEvent = {
        datetime: new Date(clock()).toISOString(),
        event: name,
        level,
        outcome: details.outcome,
        reason: details.reason,
        description: details.description,
        correlation_id: correlationId(request, correlationHeader),
        decision_id: details.decisionId ?? randomUUID(),
        request_method: request.method,
        request_uri: pathOf(request.url),
        ...(typeof request.route === 'string' ? { route: request.route.slice(0, 256) } : {}),
        source_ip: details.sourceIp ?? request.remoteAddress,
        useragent: header(request, 'user-agent')?.slice(0, 512),
        ...(identity?.subject === undefined ? {} : { user_id: identity.subject }),
        ...(identity?.clientId === undefined ? {} : { client_id: identity.clientId }),
        ...(identity === undefined ? {} : { issuer: identity.issuer }),
        ...(details.token === undefined ? {} : { token_fingerprint: tokenFingerprint(details.token) }),
        ...(details.requiredScopes === undefined ? {} : { required_scopes: details.requiredScopes }),
        ...(details.latencyMs === undefined ? {} : { latency_ms: Math.round(details.latencyMs * 1000) / 1000 }),
        ...(details.explanation === undefined ? {} : { explanation: details.explanation }),
        ...(details.dependency === undefined ? {} : { dependency: details.dependency }),
        ...(details.anomaly === undefined ? {} : { anomaly: details.anomaly }),
      }
      try {
        const result = sink(event)
        if (result !== undefined && typeof (result as Promise<void>).catch === 'function') {
          ;(result as Promise<void>).catch(() => undefined)
        }
      } catch {
        // An audit sink failure must never turn into a failed (or, worse, passed) request.
      }
    },
  }
}
