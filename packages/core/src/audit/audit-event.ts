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
  /** A privileged (admin or grant-elevated) route was used (OWASP `authz_admin`). */
  | 'authz_admin'
  /** The RS learnt that a token was revoked (OWASP `authn_token_revoked`). */
  | 'authn_token_revoked'
  /** A request was refused by a rate limit (OWASP `excess_rate_limit_exceeded`). */
  | 'excess_rate_limit_exceeded'
  /** A store was down and a feature ran fail-open (OWASP `sys_monitor_disabled`, closest fit). */
  | 'sys_monitor_disabled'
  /** The rate limit store failed: limits are counted per process for a while (custom). */
  | 'excess_rate_limit_degraded'
  /** Two requests of one token (or subject) from places too far apart for the time between them (OWASP `authn_impossible_travel`). */
  | 'authn_impossible_travel'
  /** A token (or subject) was used from a network zone or a country new to it (custom, `reason` `new_zone` or `new_country`). */
  | 'authn_new_location'
  /** A token's (or subject's) request rate is far above its own baseline (custom, `reason` `rate_spike`). */
  | 'excess_request_rate'
  /** A custom anomaly check flagged the request (custom; `reason` is the check's kind). */
  | 'authn_anomaly'

/** OWASP levels. */
export type AuditLevel = 'INFO' | 'WARN' | 'CRITICAL'

/** One audit event. */
export interface AuditEvent {
  /** ISO 8601 time with UTC offset. */
  readonly datetime: string
  readonly event: AuditEventName
  readonly level: AuditLevel
  /**
   * ECS-style outcome: `unknown` when nothing was decided (a dependency failed, or an anomaly
   * signal, which blocks nothing by itself). Only `success` events are ever sampled out.
   */
  readonly outcome: 'success' | 'failure' | 'unknown'
  /** Short, bounded reason (`expired`, `signature`, `audience`, `missing`, `scope`, ...). */
  readonly reason: string
  /** Human-readable, client-safe description. */
  readonly description: string
  /**
   * Correlation id: from the configured `correlationHeader` (default `x-request-id`, then
   * `x-correlation-id`, then the `traceparent` trace id) when it is well formed (at most 128
   * characters of `A-Z a-z 0-9 . _ : @ / + = -`), else a generated UUID.
   */
  readonly correlation_id: string
  /**
   * Identifies this decision: the policy engine's decision id (the one the client received as
   * `decision_id`) for policy events, a new UUID for every other event.
   */
  readonly decision_id: string
  readonly request_method: string
  /** Path only: the query is dropped, it may carry a token or personal data. */
  readonly request_uri: string
  /** The route template (`/orders/:id`) when the adapter knows it. */
  readonly route?: string
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
  /** Milliseconds the step took (token verification, policy decision), when measured. */
  readonly latency_ms?: number
  /** For policy decisions: why (determining and erroring rules, obligations, attributes read, risk). */
  readonly explanation?: unknown
  /**
   * For `temporarily_unavailable` (503): the dependency that failed, as `kind` (`dns`,
   * `connect`, `tls`, `timeout`, `http_status`, `not_json`, `too_large`, `issuer_mismatch`,
   * `invalid_metadata`, `no_keys`, `network`) and `url` (without user info or query).
   */
  readonly dependency?: { readonly kind: string; readonly url: string }
  /** For just-in-time grant events (`authz_change`): which grant, what changed, who acted and why. */
  readonly grant?: AuditGrantDetails
  /** For anomaly events: the signal's kind, score (0-100) and bounded detail (no address, no coordinates). */
  readonly anomaly?: AuditAnomalyDetails
}

/** The anomaly part of an anomaly event (`authn_impossible_travel`, `authn_new_location`, ...). */
export interface AuditAnomalyDetails {
  /** `new_zone`, `new_country`, `impossible_travel`, `rate_spike` or a custom check's kind. */
  readonly kind: string
  /** 0-100. */
  readonly score: number
  readonly detail: Readonly<Record<string, string | number | boolean>>
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
