import { randomUUID } from 'node:crypto'
import type { AuditEvent, AuditLevel, AuditSink } from '@portcullis/core'
import type { GrantRecord, Principal } from './grant-types.js'

/** Lifecycle steps that reach the audit sink. */
export type GrantLifecycle =
  | 'requested'
  | 'auto_approved'
  | 'approved'
  | 'rejected'
  | 'escalated'
  | 'granted'
  | 'extension_requested'
  | 'extended'
  | 'revoked'
  | 'expired'
  | 'provisioning_failed'

/** Notifications for people (approvers, requesters): see `createWebhookNotifier`. */
export type GrantNotificationKind = 'pending_approval' | 'escalated' | 'approved' | 'rejected' | 'granted' | 'extended' | 'revoked' | 'expired' | 'expiry_warning' | 'provisioning_failed'

/**
 * One notification: the kind and a snapshot of the grant (no token, no identity claims).
 *
 * @example
 * ```ts
 * const notifier: GrantNotifier = { notify: (n: GrantNotification) => console.log(n.kind, n.grant.id) }
 * ```
 */
export interface GrantNotification {
  readonly kind: GrantNotificationKind
  /** ISO 8601 time of the event. */
  readonly at: string
  readonly grant: GrantSummary
}

/** A grant as notifications, HTTP answers and audit see it. */
export interface GrantSummary {
  readonly id: string
  readonly status: GrantRecord['status']
  readonly requester: Principal
  readonly resource: string
  readonly actions: readonly string[]
  readonly justification: string
  readonly urgency: GrantRecord['urgency']
  readonly requestedDuration: number
  readonly grantedDuration: number
  readonly requestedAt: string
  readonly escalated: boolean
  readonly approvals: readonly { readonly approver: string; readonly at: string; readonly comment?: string }[]
  readonly rejection?: { readonly approver: string; readonly at: string; readonly comment?: string }
  readonly autoApproved: boolean
  readonly startsAt?: string
  readonly expiresAt?: string
  readonly pendingExtension?: { readonly duration: number; readonly justification: string }
  readonly endedAt?: string
  readonly endReason?: string
}

/**
 * Receives notifications. `notify` must not block or throw (queue the work): the service calls
 * it on the request path.
 *
 * @example
 * ```ts
 * const notifier: GrantNotifier = { notify: (n) => queue.push(n) }
 * ```
 */
export interface GrantNotifier {
  notify(notification: GrantNotification): void
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString())

/**
 * The public view of a record.
 *
 * @example
 * ```ts
 * res.json(summarizeGrant(record))
 * ```
 */
export function summarizeGrant(record: GrantRecord, now?: number): GrantSummary {
  const vote = (v: GrantRecord['approvals'][number]): { approver: string; at: string; comment?: string } => ({
    approver: v.approver.subject,
    at: new Date(v.at).toISOString(),
    ...(v.comment === undefined ? {} : { comment: v.comment }),
  })
  // An active record past its end is reported as expired even before the sweeper runs.
  const status = record.status === 'active' && now !== undefined && record.expiresAt !== undefined && now >= record.expiresAt ? 'expired' : record.status
  return {
    id: record.id,
    status,
    requester: record.requester,
    resource: record.resource,
    actions: record.actions,
    justification: record.justification,
    urgency: record.urgency,
    requestedDuration: record.requestedDuration,
    grantedDuration: record.grantedDuration,
    requestedAt: new Date(record.requestedAt).toISOString(),
    escalated: record.escalatedAt !== undefined,
    approvals: record.approvals.map(vote),
    ...(record.rejection === undefined ? {} : { rejection: vote(record.rejection) }),
    autoApproved: record.autoApproved,
    ...(record.startsAt === undefined ? {} : { startsAt: iso(record.startsAt) as string }),
    ...(record.expiresAt === undefined ? {} : { expiresAt: iso(record.expiresAt) as string }),
    ...(record.pendingExtension === undefined ? {} : { pendingExtension: { duration: record.pendingExtension.duration, justification: record.pendingExtension.justification } }),
    ...(record.endedAt === undefined ? {} : { endedAt: iso(record.endedAt) as string }),
    ...(record.endReason === undefined ? {} : { endReason: record.endReason }),
  }
}

const LEVEL: Readonly<Record<GrantLifecycle, AuditLevel>> = {
  requested: 'INFO',
  auto_approved: 'WARN',
  approved: 'INFO',
  rejected: 'INFO',
  escalated: 'WARN',
  granted: 'WARN',
  extension_requested: 'INFO',
  extended: 'WARN',
  revoked: 'WARN',
  expired: 'WARN',
  provisioning_failed: 'CRITICAL',
}

/** Request details for audit events, when the event comes from an HTTP request. */
export interface GrantCallContext {
  readonly correlationId?: string
  readonly method?: string
  readonly path?: string
  readonly sourceIp?: string
  readonly userAgent?: string
}

/** Emits lifecycle events to the audit sink; a sink failure never fails the operation. */
export function emitGrantAudit(
  sink: AuditSink | undefined,
  now: number,
  lifecycle: GrantLifecycle,
  record: GrantRecord,
  actor: Principal | 'system',
  why: string | undefined,
  context: GrantCallContext | undefined,
): void {
  if (sink === undefined) return
  const actorId = actor === 'system' ? 'system' : actor.subject
  const event: AuditEvent = {
    datetime: new Date(now).toISOString(),
    event: 'authz_change',
    level: LEVEL[lifecycle],
    outcome: lifecycle === 'provisioning_failed' ? 'failure' : 'success',
    reason: `grant_${lifecycle}`,
    description: `Grant ${record.id} ${lifecycle.replace(/_/g, ' ')} (${record.actions.join(',')} on ${record.resource})`.slice(0, 512),
    decision_id: randomUUID(),
    correlation_id: context?.correlationId ?? randomUUID(),
    request_method: context?.method ?? 'INTERNAL',
    request_uri: context?.path ?? '',
    source_ip: context?.sourceIp,
    useragent: context?.userAgent,
    user_id: actorId,
    ...(actor === 'system' ? {} : { issuer: actor.issuer }),
    grant: {
      id: record.id,
      lifecycle,
      requester: record.requester.subject,
      resource: record.resource,
      actions: record.actions,
      urgency: record.urgency,
      status: record.status,
      ...(actorId === record.requester.subject ? {} : { actor: actorId }),
      ...(why === undefined ? {} : { why: why.slice(0, 1000) }),
      ...(record.expiresAt === undefined ? {} : { expires_at: new Date(record.expiresAt).toISOString() }),
    },
  }
  try {
    const result = sink(event)
    if (result !== undefined && typeof (result as Promise<void>).catch === 'function') (result as Promise<void>).catch(() => undefined)
  } catch {
    // An audit sink failure must not undo or fail the change it reports.
  }
}

/** Sends a notification; a notifier failure never fails the operation. */
export function sendNotification(notifier: GrantNotifier | undefined, kind: GrantNotificationKind, record: GrantRecord, now: number): void {
  if (notifier === undefined) return
  try {
    notifier.notify({ kind, at: new Date(now).toISOString(), grant: summarizeGrant(record) })
  } catch {
    // Notifications are best effort.
  }
}
