import { deepFreeze } from '../internal/deep-freeze.js'
import { withDeadline } from '../internal/with-deadline.js'
import type { PortcullisMetrics } from '../observability/metrics.js'
import { INACTIVE, type Answer } from './introspection-answer.js'
import type { IntrospectionAnswerStore, StoredIntrospection } from './introspection-answer-store.js'
import { validateIntrospection, type IntrospectionRules } from './validate-introspection.js'

/** An answer read from the shared store and trusted, with how long this process may reuse it. */
export interface SharedAnswer {
  readonly answer: Answer
  /** Milliseconds: within the stored expiry, the answer's `exp` and this process's ttl. */
  readonly expiresAt: number
}

/**
 * The introspector's side of an {@link IntrospectionAnswerStore}. Nothing here ever rejects or
 * waits past the deadline: the store is an optimisation, so a failure is counted and reads as a
 * miss (the authorization server is asked), and writes are not awaited by requests.
 */
export interface SharedAnswers {
  /** The trusted answer for `tokenHash`, or `undefined` (none, unreadable, untrusted or late). */
  read(tokenHash: string): Promise<SharedAnswer | undefined>
  /** Stores an answer of the authorization server until `expiresAt` (ms), in the background. */
  write(tokenHash: string, answer: Answer, expiresAt: number): void
  /** Forgets `tokenHash` in the store, in the background. */
  forget(tokenHash: string): void
}

interface SharedAnswerSettings {
  readonly store: IntrospectionAnswerStore
  /** Longest wait for one store operation, in milliseconds. */
  readonly timeoutMs: number
  /** The introspection issuer: the only `iss` a stored answer may carry. */
  readonly issuer: string
  readonly rules: IntrospectionRules
  readonly ttlMs: number
  readonly negativeTtlMs: number
  readonly clock: () => number
  readonly metrics: PortcullisMetrics | undefined
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Wraps a store in the deadline, the error count and the checks of what it returns. */
export function createSharedAnswers(settings: SharedAnswerSettings): SharedAnswers {
  const { store, timeoutMs, issuer, rules, ttlMs, negativeTtlMs, clock, metrics } = settings

  function failed(): undefined {
    metrics?.recordStoreError('introspection')
    return undefined
  }

  function bounded<T>(operation: () => Promise<T>, name: string): Promise<T | undefined> {
    // No store error (a message, a stack) goes further than the counter: it may name hosts or
    // carry a stored value.
    return withDeadline(() => operation(), timeoutMs, `introspection store ${name} timed out after ${timeoutMs} ms`).catch(failed)
  }

  /**
   * The store is a trust boundary: a record is used only when it reads as an answer the
   * authorization server could have given this resource server, now. The response is copied
   * through JSON, so no getter, prototype or shared object of the store's survives into claims.
   */
  function trust(record: unknown, now: number): SharedAnswer | undefined {
    if (!isObject(record)) return undefined
    const { response, expiresAt } = record
    if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt) || expiresAt <= now || !isObject(response)) return undefined
    let copy: unknown
    try {
      copy = JSON.parse(JSON.stringify(response))
    } catch {
      return undefined
    }
    if (!isObject(copy)) return undefined
    if (copy['active'] === false) return { answer: INACTIVE, expiresAt: Math.min(expiresAt, now + negativeTtlMs) }
    // Unlike an authorization server's answer, anything but a boolean is a corrupt record.
    if (copy['active'] !== true) return undefined
    delete copy['active']
    try {
      validateIntrospection(copy, issuer, rules, now / 1000)
    } catch {
      return undefined
    }
    // RFC 7662 §4: never reused beyond exp, nor beyond this process's own ttl.
    const exp = copy['exp']
    const until = Math.min(expiresAt, now + ttlMs, typeof exp === 'number' ? exp * 1000 : Number.POSITIVE_INFINITY)
    if (!(until > now)) return undefined
    return { answer: { active: true, response: deepFreeze(copy) }, expiresAt: until }
  }

  function forget(tokenHash: string): void {
    void bounded(() => store.delete(tokenHash), 'delete')
  }

  return {
    async read(tokenHash) {
      const record = await bounded(() => store.get(tokenHash), 'get')
      if (record === undefined || record === null) return undefined
      const trusted = trust(record, clock())
      if (trusted === undefined) {
        // A corrupt, foreign or tampered record: counted, removed, and the AS decides.
        failed()
        forget(tokenHash)
      }
      return trusted
    },
    write(tokenHash, answer, expiresAt) {
      const ttl = Math.floor(expiresAt - clock())
      if (ttl < 1) return
      const response = answer.active ? { active: true, ...answer.response } : { active: false }
      const record: StoredIntrospection = { response, expiresAt }
      void bounded(() => store.set(tokenHash, record, ttl), 'set')
    },
    forget,
  }
}
