import { randomUUID } from 'node:crypto'
import type { Identity } from '../identity/identity.js'
import type { PortcullisRequest } from '../request.js'
import { tokenDigest } from '../token/token-digest.js'
import type { AuditEvent, AuditEventName, AuditLevel, AuditSink } from './audit-event.js'

const CORRELATION = /^[A-Za-z0-9._:@/+=-]{1,128}$/
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/

function header(request: PortcullisRequest, name: string): string | undefined {
  const value = request.headers[name]
  return typeof value === 'string' ? value : undefined
}

/** A request's correlation id: a well-formed inbound id, else the trace id, else a new UUID. */
function correlationId(request: PortcullisRequest): string {
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
function tokenFingerprint(token: string): string {
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
  readonly dependency?: { readonly kind: string; readonly url: string } | undefined
}

/** Emits events to a sink; a no-op (and no work at all) when there is no sink. */
export interface Auditor {
  readonly enabled: boolean
  emit(name: AuditEventName, level: AuditLevel, request: PortcullisRequest, details: AuditDetails): void
}

const DISABLED: Auditor = { enabled: false, emit: () => undefined }

/** Creates the auditor for a sink (or the disabled one). */
export function createAuditor(sink: AuditSink | undefined, clock: () => number): Auditor {
  if (sink === undefined) return DISABLED
  return {
    enabled: true,
    emit(name, level, request, details) {
      const identity = details.identity
      const event: AuditEvent = {
        datetime: new Date(clock()).toISOString(),
        event: name,
        level,
        outcome: details.outcome,
        reason: details.reason,
        description: details.description,
        correlation_id: correlationId(request),
        request_method: request.method,
        request_uri: pathOf(request.url),
        source_ip: request.remoteAddress,
        useragent: header(request, 'user-agent')?.slice(0, 512),
        ...(identity?.subject === undefined ? {} : { user_id: identity.subject }),
        ...(identity?.clientId === undefined ? {} : { client_id: identity.clientId }),
        ...(identity === undefined ? {} : { issuer: identity.issuer }),
        ...(details.token === undefined ? {} : { token_fingerprint: tokenFingerprint(details.token) }),
        ...(details.requiredScopes === undefined ? {} : { required_scopes: details.requiredScopes }),
        ...(details.decisionId === undefined ? {} : { decision_id: details.decisionId }),
        ...(details.explanation === undefined ? {} : { explanation: details.explanation }),
        ...(details.dependency === undefined ? {} : { dependency: details.dependency }),
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
