import type { Identity } from '../identity/identity.js'
import type { PortcullisRequest } from '../request.js'
import type { RateLimitStore } from './rate-limit-store.js'

/**
 * Who a request counts for: `'subject'` (the token's `sub`), `'client'` (its `client_id`),
 * `'ip'` (the client address, behind `trustedProxies`), `{ claim }` (a string or number claim),
 * or a function of the identity and the request. Requests without identity, and identities
 * without the chosen value (or a function answering `undefined`), count for their address.
 */
export type RateLimitKey =
  | 'subject'
  | 'client'
  | 'ip'
  | { readonly claim: string }
  | ((identity: Identity | undefined, request: PortcullisRequest) => string | undefined)

/** When a tier applies: the token carries `scope`, or its claim `claim` equals (or lists) `value`. */
export type RateLimitCondition = { readonly scope: string } | { readonly claim: string; readonly value: string | number | boolean }

/** One limit: `points` requests per `duration` seconds, for identities matching `when`. */
export interface RateLimitTier {
  /** Absent on the last tier, the one for everybody else (unauthenticated requests included). */
  readonly when?: RateLimitCondition
  /** Requests allowed per window (1 to 10^9). */
  readonly points: number
  /** Window length in seconds (1 to 86400). */
  readonly duration: number
  /**
   * Name in the `RateLimit` and `RateLimit-Policy` headers (letters, digits, `-_.:`, up to 64).
   * Default `default` for the last tier, `tier-<index>` for the others.
   */
  readonly name?: string
}

/** What {@link RateLimitOptions.onRejected} learns of a refused request (no token, no key value). */
export interface RateLimitRejection {
  /** Name of the tier whose limit was exceeded. */
  readonly policy: string
  /** Which key counted: `'subject'`, `'client'`, `'claim'`, `'custom'` or `'ip'`. */
  readonly keyKind: string
  /** Seconds until the client may retry. */
  readonly retryAfter: number
  /** Whether the per-process fallback counted, because the store failed. */
  readonly degraded: boolean
}

/**
 * Options of `rateLimit()` / `RateLimit()`: either one limit (`points`, `duration`) or `tiers`.
 *
 * @example
 * ```ts
 * rateLimit({ key: 'subject', tiers: [{ when: { scope: 'tier:pro' }, points: 1000, duration: 60 }, { points: 100, duration: 60 }] })
 * ```
 */
export interface RateLimitOptions {
  /** Requests allowed per window, with `duration`, for one limit (the `default` policy). */
  points?: number
  /** Window length in seconds, with `points`. */
  duration?: number
  /** Limits by scope or claim, first match wins; the last one has no `when`. */
  tiers?: readonly RateLimitTier[]
  /** Who a request counts for. Default `'subject'`. */
  key?: RateLimitKey
  /**
   * The reverse proxies (IPs, CIDR ranges) whose `X-Forwarded-For` gives the client address of
   * IP-keyed requests; the same format as `requireToken({ trustedProxies })`. Default none: the
   * connection's peer is the client.
   */
  trustedProxies?: readonly string[]
  /** Where counts live. Default a per-process memory store bounded to 100000 keys. */
  store?: RateLimitStore
  /**
   * Milliseconds the store may take before it counts as failed (1 to 60000). Default 250. On
   * failure, requests are counted in this process for `storeRetry` seconds, and audited.
   */
  storeTimeout?: number
  /** Seconds before a failed store is tried again (1 to 3600). Default 5. */
  storeRetry?: number
  /** Called for each refused request (metrics); its errors are ignored. */
  onRejected?: (rejection: RateLimitRejection) => void
  /** Current time in milliseconds (tests). Default `Date.now`. */
  clock?: () => number
}
