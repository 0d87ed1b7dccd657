/**
 * Checks of what callers pass to a `RevocationStore`'s revoke methods, shared by every store
 * implementation (the in-memory one here, `@portcullis/redis`), so a malformed revocation is
 * refused the same way whichever store holds it.
 */

/**
 * `value` as a non-empty string, or a `TypeError` naming `name`.
 *
 * @example
 * ```ts
 * import { revocationString } from '@portcullis/core'
 * const jti = revocationString(input.jti, 'jti')
 * ```
 */
export function revocationString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`)
  return value
}

/**
 * A revocation's optional instant (`issuedBefore`, `expiresAt`) in epoch milliseconds, or a
 * `TypeError` naming `name` when it is not a valid `Date`.
 *
 * @example
 * ```ts
 * import { revocationTime } from '@portcullis/core'
 * const before = revocationTime(input.issuedBefore, 'issuedBefore')
 * ```
 */
export function revocationTime(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new TypeError(`${name} must be a valid Date`)
  return value.getTime()
}

/**
 * The issuer a revocation is limited to, if any (a non-empty string), or a `TypeError`.
 *
 * @example
 * ```ts
 * import { revocationIssuer } from '@portcullis/core'
 * const issuer = revocationIssuer(scope) // undefined: every issuer
 * ```
 */
export function revocationIssuer(scope: { issuer?: unknown } | undefined): string | undefined {
  if (scope?.issuer === undefined) return undefined
  return revocationString(scope.issuer, 'issuer')
}
