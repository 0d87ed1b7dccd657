/**
 * Errors of the grants service. A `GrantError` has a stable `code`, the HTTP `status` to answer
 * with (400-style for bad input, 403/404/409 for refused transitions, 503 for a store outage)
 * and, for validation errors, the `field` path of the offending input.
 */

/** Stable codes of {@link GrantError}. */
export type GrantErrorCode =
  /** The input is malformed (wrong type, unknown field, too long); `field` names it. */
  | 'invalid_input'
  /** The resource matches no configured resource. */
  | 'unknown_resource'
  /** An action is not grantable on the resource. */
  | 'action_not_grantable'
  /** The requested duration exceeds the resource's limit. */
  | 'duration_exceeded'
  /** An active or pending grant of the requester already covers some of these actions. */
  | 'duplicate_grant'
  /** No such grant (or not visible to the caller). */
  | 'not_found'
  /** The caller may not do this (not an approver, not the holder, not an admin). */
  | 'forbidden'
  /** A requester cannot approve their own request. */
  | 'self_approval'
  /** The request or grant is not in a state that allows this transition. */
  | 'invalid_state'
  /** An extension beyond the resource's extension limit. */
  | 'extension_exceeded'
  /** The store is full of live records. */
  | 'capacity_exceeded'
  /** The store failed or kept conflicting: fail closed. */
  | 'temporarily_unavailable'

const STATUS: Readonly<Record<GrantErrorCode, number>> = {
  invalid_input: 400,
  unknown_resource: 400,
  action_not_grantable: 400,
  duration_exceeded: 400,
  duplicate_grant: 409,
  not_found: 404,
  forbidden: 403,
  self_approval: 403,
  invalid_state: 409,
  extension_exceeded: 400,
  capacity_exceeded: 503,
  temporarily_unavailable: 503,
}

/**
 * An error of the grants service.
 *
 * @example
 * ```ts
 * try { await grants.request(input) } catch (error) {
 *   if (isGrantError(error)) res.status(error.status).json({ error: error.code, field: error.field })
 * }
 * ```
 */
export class GrantError extends Error {
  readonly code: GrantErrorCode
  readonly status: number
  /** Alias of `status` (read by Express and Koa error handlers). */
  readonly statusCode: number
  /** Path of the offending input field (`justification`, `actions[2]`), when there is one. */
  readonly field: string | undefined
  /** Client-safe: 4xx messages are shown, 5xx are not. */
  readonly expose: boolean
  readonly headers: Record<string, string>

  constructor(code: GrantErrorCode, message: string, field?: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause })
    this.name = 'GrantError'
    this.code = code
    this.status = STATUS[code]
    this.statusCode = this.status
    this.field = field
    this.expose = this.status < 500
    this.headers = this.status === 503 ? { 'retry-after': '1' } : {}
  }
}

/**
 * True for a {@link GrantError}, also across duplicate installed copies.
 *
 * @example
 * ```ts
 * if (isGrantError(error) && error.code === 'self_approval') console.warn('nice try')
 * ```
 */
export function isGrantError(value: unknown): value is GrantError {
  return (
    value instanceof GrantError ||
    (typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'GrantError' && typeof (value as { code?: unknown }).code === 'string')
  )
}
