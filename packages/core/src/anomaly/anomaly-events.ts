import type { AuditEventName, AuditLevel } from '../audit/audit-event.js'
import type { Auditor } from '../audit/auditor.js'
import type { Identity } from '../identity/identity.js'
import type { PortcullisMetrics } from '../observability/metrics.js'
import type { PortcullisRequest } from '../request.js'
import { tokenDigest } from '../token/token-digest.js'
import type { AnomalyKey } from './anomaly-detector.js'
import type { AnomalyReport, AnomalySignal } from './anomaly-signal.js'

interface EventOfKind {
  readonly name: AuditEventName
  readonly level: AuditLevel
  readonly description: string
}

// OWASP names where the vocabulary has one (authn_impossible_travel); named in its style
// (category_action) where it has none. The kind is the event's reason.
const EVENTS: Readonly<Record<string, EventOfKind>> = {
  impossible_travel: { name: 'authn_impossible_travel', level: 'CRITICAL', description: 'The token was used from places too far apart for the time between them' },
  new_zone: { name: 'authn_new_location', level: 'WARN', description: 'The token was used from a network new to it' },
  new_country: { name: 'authn_new_location', level: 'WARN', description: 'The token was used from a country new to it' },
  rate_spike: { name: 'excess_request_rate', level: 'WARN', description: 'The request rate is far above its own baseline' },
}
const CUSTOM: EventOfKind = { name: 'authn_anomaly', level: 'WARN', description: 'An anomaly check flagged the request' }

/** The summary key of an authenticated request (subject and client keys fall back to the token). */
export function anomalyKeyOf(key: AnomalyKey, identity: Identity, token: string, tokenHash: string | undefined): string {
  if (key === 'subject' && identity.subject !== undefined) return `s\u0000${identity.issuer}\u0000${identity.subject}`
  if (key === 'client' && identity.clientId !== undefined) return `c\u0000${identity.issuer}\u0000${identity.clientId}`
  // The verified-token cache hands its key over on a hit: one SHA-256 less per request.
  return `t\u0000${tokenHash ?? tokenDigest(token)}`
}

/**
 * Audits and counts the signals this request raised (held ones were reported by the request
 * that raised them): one event per signal, with its kind, score and detail, the client
 * address as `source_ip`, and the token's fingerprint, never the token.
 */
export function reportAnomalies(
  report: AnomalyReport,
  request: PortcullisRequest,
  context: { readonly auditor: Auditor; readonly metrics: PortcullisMetrics | undefined; readonly identity: Identity; readonly token: string; readonly address: string | undefined },
): void {
  for (const signal of report.signals) {
    if (signal.held) continue
    context.metrics?.recordAnomaly(signal.kind)
    if (context.auditor.enabled) emit(signal, request, context)
  }
}

function emit(signal: AnomalySignal, request: PortcullisRequest, context: { readonly auditor: Auditor; readonly identity: Identity; readonly token: string; readonly address: string | undefined }): void {
  const event = EVENTS[signal.kind] ?? CUSTOM
  context.auditor.emit(event.name, event.level, request, {
    // Detection decides nothing (a policy or the handler does): neither success nor failure.
    outcome: 'unknown',
    reason: signal.kind,
    description: event.description,
    identity: context.identity,
    token: context.token,
    sourceIp: context.address,
    anomaly: { kind: signal.kind, score: signal.score, detail: signal.detail },
  })
}
