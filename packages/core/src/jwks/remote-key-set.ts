import type { KeyObject } from 'node:crypto'
import { DependencyFault, findFault, redactUrl } from '../internal/dependency-fault.js'
import { DependencyUnavailable } from '../internal/failures.js'
import { fetchJson, type FetchLike } from '../internal/fetch-json.js'
import type { AsymmetricAlgorithm } from '../token/algorithms.js'
import type { KeyLookupHint, KeySource, KeySourceStatus } from './key-source.js'
import { carryOverKeys, KeyIndex, parseJwkSet } from './key-index.js'
import { jwkThumbprintOf } from './jwk-thumbprint.js'

/** What triggered a JWKS fetch (for metrics: `pep_jwks_fetches_total{trigger}`). */
export type JwksFetchTrigger = 'initial' | 'ttl' | 'unknown_kid'

/** Reported after each JWKS fetch attempt. */
export interface JwksFetchEvent {
  readonly uri: string | undefined
  readonly trigger: JwksFetchTrigger
  readonly outcome: 'ok' | 'error'
  readonly keys?: number
  readonly error?: unknown
}

/** Tuning of a remote key set; every member has a safe default. */
export interface RemoteKeySetOptions {
  /** Timeout of one fetch, headers and body included. Default 5000 ms. */
  timeoutMs: number
  /** Age after which keys are refreshed in the background. Default 600000 ms (10 min). */
  cacheMaxAgeMs: number
  /** Minimum time between fetches caused by unknown `kid`s. Default 30000 ms. */
  cooldownMs: number
  /**
   * Longest a request with an unknown `kid` waits for a fetch in flight before it is answered
   * 503 with `Retry-After` (known keys never wait). Default 500 ms.
   */
  unknownKidWaitMs?: number
  /**
   * How long, after `cacheMaxAgeMs`, the last good keys keep serving while the endpoint fails
   * (HTTP's stale-if-error, RFC 5861 §4). Default 1 day.
   */
  maxStaleMs: number
  /** Usable keys kept from one document. Default 32. */
  maxKeys: number
  /** Largest JWKS document accepted. Default 512 KiB. */
  maxBytes: number
  fetch: FetchLike
  clock: () => number
  onFetch?: (event: JwksFetchEvent) => void
}

// After a failed fetch, requests wait at least this long before trying again, so an outage
// of the key endpoint is not answered with a fetch per request.
const MAX_RETRY_BACKOFF_MS = 5000
// A token newer than the keys (its iat after the last fetch began) may trigger a refetch before
// the cooldown ends, at most once per this interval: iat is attacker-controlled.
const EARLY_REFETCH_INTERVAL_MS = 1000
const DEFAULT_UNKNOWN_KID_WAIT_MS = 500

/**
 * A JWK Set fetched from a URL (given, or found by discovery), with:
 * single-flight fetching (concurrent misses share one request), a cooldown on refetches for
 * unknown `kid`s (a flood of forged kids causes at most one fetch per cooldown, OpenID Connect Core 1.0 §10.1.1)
 * except for tokens issued after the current keys were fetched (at most one early refetch per
 * second, so a rotation does not lock users out for the cooldown), a bounded wait for requests
 * with an unknown `kid` while a fetch is slow (`unknownKidWaitMs`, then 503),
 * background refresh after `cacheMaxAgeMs` while the current keys keep serving, and
 * stale-if-error: when the endpoint fails, the last good keys keep serving for `maxStaleMs`
 * beyond their `cacheMaxAgeMs`.
 */
export class RemoteKeySet implements KeySource {
  private index: KeyIndex | undefined
  private fetchedAt = 0
  /** When the fetch that produced the current keys began: keys published later are not in them. */
  private indexFetchStartedAt = Number.NEGATIVE_INFINITY
  private lastEarlyRefetchAt = Number.NEGATIVE_INFINITY
  private lastAttemptAt = Number.NEGATIVE_INFINITY
  private lastAttemptFailed = false
  private lastError: unknown
  private pending: Promise<void> | undefined
  private uri: string | undefined
  private readonly retryBackoffMs: number
  private readonly unknownKidWaitMs: number
  /** Keys older than this are never used: fresh time plus stale-if-error time. */
  private readonly usableForMs: number
  private readonly removalListeners: Array<(keys: ReadonlySet<KeyObject>) => void> = []

  constructor(
    private readonly locate: () => string | Promise<string>,
    private readonly options: RemoteKeySetOptions,
  ) {
    this.retryBackoffMs = Math.min(options.cooldownMs, MAX_RETRY_BACKOFF_MS)
    this.unknownKidWaitMs = options.unknownKidWaitMs ?? DEFAULT_UNKNOWN_KID_WAIT_MS
    this.usableForMs = options.cacheMaxAgeMs + options.maxStaleMs
  }

  async getKeys(alg: AsymmetricAlgorithm, kid: string | undefined, hint?: KeyLookupHint): Promise<readonly KeyObject[]> {
    const now = this.options.clock()
    if (this.index === undefined || now - this.fetchedAt > this.usableForMs) {
      if (this.pending !== undefined) await this.pending
      else if (this.mayRetry(now)) await this.refresh(this.index === undefined ? 'initial' : 'ttl')
      if (this.index === undefined || this.options.clock() - this.fetchedAt > this.usableForMs) {
        throw this.unavailable()
      }
    } else if (now - this.fetchedAt >= this.options.cacheMaxAgeMs && this.pending === undefined && this.mayRetry(now)) {
      // Stale-while-revalidate: this request uses the current keys; a failure is kept in state.
      void this.refresh('ttl')
    }
    const keys = this.index.select(alg, kid)
    if (keys.length > 0) return keys

    // No key for this kid/alg: maybe the issuer rotated. Refetch at most once per cooldown, or
    // sooner (at most once per EARLY_REFETCH_INTERVAL_MS) for a token issued after the current
    // keys were fetched: its key may have been published since.
    let fetching = this.pending
    if (fetching === undefined) {
      const at = this.options.clock()
      if (at - this.lastAttemptAt >= this.options.cooldownMs) {
        fetching = this.refresh('unknown_kid')
      } else if (this.mayRetry(at) && at - this.lastEarlyRefetchAt >= Math.min(EARLY_REFETCH_INTERVAL_MS, this.options.cooldownMs)) {
        const issuedAt = hint?.issuedAt()
        if (issuedAt !== undefined && issuedAt * 1000 > this.indexFetchStartedAt) {
          this.lastEarlyRefetchAt = at
          fetching = this.refresh('unknown_kid')
        }
      }
    }
    if (fetching !== undefined) await this.waitBounded(fetching)
    const after = this.index.select(alg, kid)
    if (after.length > 0) return after
    // The endpoint failed on its last try: the key may exist there; we cannot tell.
    if (this.lastAttemptFailed) throw this.unavailable()
    return after
  }

  /**
   * Waits for a fetch in flight for at most `unknownKidWaitMs`: a slow key endpoint must not
   * hold a socket per request with an unknown kid for the whole fetch timeout.
   */
  private async waitBounded(fetching: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<true>((resolve) => {
      timer = setTimeout(() => resolve(true), this.unknownKidWaitMs)
    })
    try {
      const timedOut = await Promise.race([fetching.then(() => false), late])
      if (timedOut) {
        throw DependencyUnavailable.create('jwks_unavailable', 'The signing keys of the issuer are being fetched; try again', 1)
      }
    } finally {
      clearTimeout(timer)
    }
  }

  revalidate(): boolean {
    const now = this.options.clock()
    if (this.index === undefined || now - this.fetchedAt > this.usableForMs) return false
    if (now - this.fetchedAt >= this.options.cacheMaxAgeMs && this.pending === undefined && this.mayRetry(now)) {
      void this.refresh('ttl')
    }
    return true
  }

  /**
   * Fetches the keys now unless fresh keys are at hand, and resolves with their number.
   * Rejects with a `DependencyFault` naming the URL and the failure, or when the set holds
   * no usable key.
   */
  async ready(): Promise<number> {
    // An empty set is fetched again: the operator may just have fixed it.
    const fresh = this.index !== undefined && this.index.size > 0 && !this.lastAttemptFailed && this.options.clock() - this.fetchedAt < this.options.cacheMaxAgeMs
    if (!fresh) await (this.pending ?? this.refresh(this.index === undefined ? 'initial' : 'ttl'))
    if (this.lastAttemptFailed) {
      throw findFault(this.lastError) ?? new DependencyFault('network', redactUrl(this.uri ?? ''), String(this.lastError))
    }
    const size = this.index?.size ?? 0
    if (size === 0) {
      const shown = redactUrl(this.uri ?? '')
      throw new DependencyFault('no_keys', shown, `${shown} holds no usable verification key (supported kty, alg and use "sig")`)
    }
    return size
  }

  /** What `health()` reports; no network call. */
  status(): KeySourceStatus {
    const now = this.options.clock()
    const fault = this.lastAttemptFailed ? findFault(this.lastError) : undefined
    const usable = this.index !== undefined && now - this.fetchedAt <= this.usableForMs
    return {
      jwksUri: this.uri === undefined ? undefined : redactUrl(this.uri),
      keys: usable ? (this.index?.size ?? 0) : 0,
      lastFetch: this.index === undefined ? undefined : this.fetchedAt,
      stale: this.index !== undefined && now - this.fetchedAt >= this.options.cacheMaxAgeMs,
      ...(this.lastAttemptFailed
        ? { lastError: fault === undefined ? { kind: 'network', message: 'The keys could not be fetched' } : { kind: fault.kind, url: fault.url, message: fault.message } }
        : {}),
    }
  }

  onKeysRemoved(listener: (keys: ReadonlySet<KeyObject>) => void): void {
    this.removalListeners.push(listener)
  }

  distrust(thumbprints: ReadonlySet<string>): ReadonlySet<KeyObject> {
    const removed = new Set<KeyObject>()
    if (this.index === undefined) return removed
    const kept = this.index.entries.filter((entry) => {
      if (!thumbprints.has(jwkThumbprintOf(entry.key))) return true
      removed.add(entry.key)
      return false
    })
    if (removed.size === 0) return removed
    this.index = new KeyIndex(kept)
    // A token naming a removed key refetches at once: if the issuer still publishes the key
    // (the removal elsewhere was a stale read), it comes back instead of waiting a cooldown.
    this.lastAttemptAt = Number.NEGATIVE_INFINITY
    return removed
  }

  /** Backoff applies only after a failed attempt: a healthy endpoint is always asked. */
  private mayRetry(now: number): boolean {
    return !this.lastAttemptFailed || now - this.lastAttemptAt >= this.retryBackoffMs
  }

  private unavailable(): DependencyUnavailable {
    const wait = (this.lastAttemptAt + this.retryBackoffMs - this.options.clock()) / 1000
    return DependencyUnavailable.create(
      'jwks_unavailable',
      'The signing keys of the issuer could not be obtained',
      Math.max(1, wait),
      // Kept for the operator's logs (it names the URL and the failure); never sent to clients.
      this.lastError,
    )
  }

  private refresh(trigger: JwksFetchTrigger): Promise<void> {
    if (this.pending !== undefined) return this.pending
    const startedAt = this.options.clock()
    this.lastAttemptAt = startedAt
    const run = async (): Promise<void> => {
      try {
        this.uri ??= await this.locate()
        const uri = this.uri
        const document = await fetchJson(this.options.fetch, uri, this.options)
        let parsed
        try {
          parsed = parseJwkSet(document, this.options.maxKeys)
        } catch (error) {
          throw new DependencyFault('no_keys', redactUrl(uri), `${redactUrl(uri)}: ${error instanceof Error ? error.message : String(error)}`)
        }
        const { index, removed } = carryOverKeys(this.index, parsed)
        this.index = index
        this.indexFetchStartedAt = startedAt
        if (removed.size > 0) for (const listener of this.removalListeners) listener(removed)
        this.fetchedAt = this.options.clock()
        this.lastAttemptFailed = false
        this.lastError = undefined
        this.report({ uri: this.uri, trigger, outcome: 'ok', keys: this.index.size })
      } catch (error) {
        this.lastAttemptFailed = true
        this.lastError = error
        this.report({ uri: this.uri, trigger, outcome: 'error', error })
      } finally {
        this.pending = undefined
      }
    }
    this.pending = run()
    return this.pending
  }

  private report(event: JwksFetchEvent): void {
    try {
      this.options.onFetch?.(event)
    } catch {
      // A broken observer must not break key fetching.
    }
  }
}
