import { configurationError, PortcullisError } from '../errors.js'
import { integerOption, optionsObject } from '../internal/option-checks.js'
import { TtlCache } from '../internal/ttl-cache.js'

/**
 * Counts, per caller, the introspection calls for tokens the cache does not know, so made-up
 * tokens cannot turn into a flood of calls to the authorization server: each call is counted
 * before it is made, and given back when the token proves active.
 */
export interface IntrospectionGuard {
  /** Counts a call for `caller`; throws 429 `rate_limited` with `Retry-After` when over the limit. */
  reserve(caller: string): void
  /** Gives back a call whose token was active: real tokens never use up the guard. */
  release(caller: string): void
}

interface Window {
  count: number
  readonly resetAt: number
}

// Callers tracked at most: a forgotten caller starts a fresh window.
const MAX_CALLERS = 10_000

const OFF: IntrospectionGuard = { reserve: () => undefined, release: () => undefined }

/** Compiles `introspection.guard` (default 100 unknown tokens per caller per 60 s; `false` turns it off). */
export function createIntrospectionGuard(value: unknown, clock: () => number): IntrospectionGuard {
  if (value === false) return OFF
  if (value !== undefined && (typeof value !== 'object' || value === null)) throw configurationError('introspection.guard must be { points, duration } or false')
  const options = optionsObject((value ?? {}) as { points?: unknown; duration?: unknown }, 'introspection.guard', ['points', 'duration'])
  const points = integerOption(options.points, 'introspection.guard.points', 100, 1, 1_000_000)
  const durationMs = integerOption(options.duration, 'introspection.guard.duration', 60, 1, 3600) * 1000
  const windows = new TtlCache<Window>({ maxEntries: MAX_CALLERS }, clock)
  return {
    reserve(caller) {
      const now = clock()
      let window = windows.get(caller)
      if (window === undefined) {
        window = { count: 0, resetAt: now + durationMs }
        windows.set(caller, window, window.resetAt)
      }
      if (window.count >= points) {
        const retryAfter = Math.max(1, Math.ceil((window.resetAt - now) / 1000))
        throw new PortcullisError('rate_limited', {
          status: 429,
          description: 'Too many unknown access tokens; retry after the time given in Retry-After',
          headers: { 'Retry-After': String(retryAfter) },
          reason: 'introspection_guard',
        })
      }
      window.count++
    },
    release(caller) {
      const window = windows.get(caller)
      if (window !== undefined && window.count > 0) window.count--
    },
  }
}
