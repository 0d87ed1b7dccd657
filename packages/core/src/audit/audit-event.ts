/**
 * Audit events follow the OWASP Logging Vocabulary (`category_action`) and its JSON envelope
 * (snake_case fields). They never contain the token: at most a SHA-256 fingerprint of it
 * (RFC 9700 §4.9.3).
 */

/** Event names. The name carries no dynamic value; the user is in `user_id`. */
export type AuditEventName =
  /** A token was accepted (OWASP `authn_login_success`). */
  | 'authn_login_success'
  /** A token was missing, rejected, or could not be checked (OWASP `authn_login_fail`). */
  | 'authn_login_fail'
  /** A revoked token was presented again (OWASP `authn_token_reuse`). */
  | 'authn_token_reuse'
  /** The request was malformed: bad header, token in several places (OWASP `input_validation_fail`). */
  | 'input_validation_fail'
  /** A scope or policy check passed (custom, mirrors `authz_fail`). */
  | 'authz_success'
  /** A scope or policy check failed (OWASP `authz_fail`). */
  | 'authz_fail'
  /** Entitlements changed: a just-in-time grant was requested, approved, granted, extended, revoked, expired... (OWASP `authz_change`). */
  | 'authz_change'

/** OWASP levels. */
export type AuditLevel = 'INFO' | 'WARN' | 'CRITICAL'

/** One audit event. */
export interface AuditEvent {
  /** ISO 8601 time with UTC offset. */
  readonly datetime: string
  readonly event: AuditEventName
  readonly level: AuditLevel
  /** ECS-style outcome: `unknown` when a dependency failed and nothing was decided. */
  readonly outcome: 'success' | 'failure' | 'unknown'
  /** Short, bounded reason (`expired`, `signature`, `audience`, `missing`, `scope`, ...). */
  readonly reason: string
  /** Human-readable, client-safe description. */
  readonly description: string
  /** Correlation id: from `x-request-id` / `x-correlation-id` / `traceparent`, or generated. */
  readonly correlation_id: string
  readonly request_method: string
  /** Path only: the query is dropped, it may carry a token or personal data. */
  readonly request_uri: string
  readonly source_ip: string | undefined
  readonly useragent: string | undefined
  /** `sub` of the token, when it was read from a verified token. */
  readonly user_id?: string
  readonly client_id?: string
  readonly issuer?: string
  /** First 16 hex digits of SHA-256(token): lets logs correlate uses of one token safely. */
  readonly token_fingerprint?: string
  /** For authorization events: the scopes the route requires. */
  readonly required_scopes?: readonly string[]
  /** For policy decisions: the id the client received (`decision_id`). */
  readonly decision_id?: string
  /** For policy decisions: why (determining and erroring rules, obligations, attributes read, risk). */
  readonly explanation?: unknown
  /** For just-in-time grant events (`authz_change`): which grant, what changed, who acted and why. */
  readonly grant?: AuditGrantDetails
}

/** The grant part of an `authz_change` event. */
export interface AuditGrantDetails {
  readonly id: string
  /** Lifecycle step: `requested`, `auto_approved`, `approved`, `rejected`, `escalated`, `granted`, `extended`, `revoked`, `expired`, `provisioning_failed`, ... */
  readonly lifecycle: string
  /** `sub` of the requester (the holder of the grant). */
  readonly requester: string
  readonly resource: string
  readonly actions: readonly string[]
  readonly urgency: string
  readonly status: string
  /** `sub` of whoever acted, when not the requester (approver, admin); `system` for the sweeper. */
  readonly actor?: string
  /** The requester's justification, or the approver's comment, or the revocation reason (bounded). */
  readonly why?: string
  /** ISO 8601 end of the grant, once it is active. */
  readonly expires_at?: string
}

/** Receives audit events. May be async; errors and rejections are swallowed. */
export type AuditSink = (event: AuditEvent) => void | Promise<void>
