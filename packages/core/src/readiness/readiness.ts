import { findFault, type DependencyFaultKind } from '../internal/dependency-fault.js'
import { integerOption, MAX_TIMER_MS, optionsObject } from '../internal/option-checks.js'
import { withDeadline } from '../internal/with-deadline.js'
import type { KeySource } from '../jwks/key-source.js'
import type { Introspector } from '../introspection/introspector.js'

/** Options of `ready()`. */
export interface ReadyOptions {
  /** Longest wait for each dependency, in milliseconds. Default 10000. */
  timeout?: number
}

/** One dependency that `ready()` could not use. Holds no token and no secret. */
export interface ReadinessFailure {
  readonly issuer: string
  /** `keys`: discovery or the JWK Set; `introspection`: discovery of the introspection endpoint. */
  readonly dependency: 'keys' | 'introspection'
  readonly kind: DependencyFaultKind
  /** The URL that failed, without user info or query. */
  readonly url: string
  readonly message: string
}

/**
 * Why `ready()` rejected: one line per failing dependency, naming the issuer, the URL and
 * what happened (DNS, connection, TLS, timeout, HTTP status, not JSON, issuer mismatch, no
 * usable keys). Match on `name === 'ReadinessError'` or read `failures`.
 */
export class ReadinessError extends Error {
  readonly failures: readonly ReadinessFailure[]
  constructor(failures: readonly ReadinessFailure[]) {
    super(`Portcullis is not ready:\n${failures.map((failure) => `- issuer ${JSON.stringify(failure.issuer)}, ${failure.dependency} (${failure.kind}): ${failure.message}`).join('\n')}`)
    this.name = 'ReadinessError'
    this.failures = failures
  }
}

/** What `ready()` found. */
export interface ReadinessReport {
  readonly issuers: ReadonlyArray<{ readonly issuer: string; readonly keys: number }>
}

/** The key state of one issuer, as `health()` reports it. */
export interface IssuerHealth {
  readonly issuer: string
  /** The JWK Set URL once known (without query); absent for configured keys or a secret. */
  readonly jwksUri?: string
  /** Usable keys now; 0 means this issuer's tokens are answered 503. */
  readonly keys: number
  /** When the keys were last fetched (ISO 8601); absent before the first fetch and for configured keys. */
  readonly lastFetch?: string
  /** The last fetch failed (the previous keys may still serve): kind, URL, message. */
  readonly lastError?: { readonly kind: string; readonly url?: string; readonly message: string }
  /** The keys are older than `jwks.cacheMaxAge`: refreshes are failing or late. */
  readonly stale: boolean
}

/**
 * A snapshot for `/health` routes, computed without a network call:
 * `ok` when every issuer has fresh keys, `degraded` when some issuer has none or serves stale
 * keys or its last refresh failed, `down` when no issuer has usable keys (also before the
 * first fetch: call `ready()` at startup).
 */
export interface HealthReport {
  readonly status: 'ok' | 'degraded' | 'down'
  readonly issuers: readonly IssuerHealth[]
}

const DEFAULT_READY_TIMEOUT_MS = 10_000

/** Fetches every issuer's keys (and the introspection endpoint by discovery) now. */
export async function checkReadiness(
  sources: ReadonlyMap<string, KeySource>,
  introspection: { readonly issuer: string; readonly introspector: Introspector } | undefined,
  options: ReadyOptions | undefined,
): Promise<ReadinessReport> {
  const { timeout } = optionsObject(options ?? {}, 'ready()', ['timeout'])
  const timeoutMs = integerOption(timeout, 'ready() timeout', DEFAULT_READY_TIMEOUT_MS, 1, MAX_TIMER_MS)
  const failures: ReadinessFailure[] = []
  const issuers: Array<{ issuer: string; keys: number }> = []
  const checks: Array<Promise<void>> = []
  for (const [issuer, source] of sources) {
    if (source.ready === undefined) {
      issuers.push({ issuer, keys: source.status?.().keys ?? 0 })
      continue
    }
    const ready = source.ready.bind(source)
    checks.push(
      within(ready, timeoutMs, issuer).then(
        (keys) => void issuers.push({ issuer, keys }),
        (error: unknown) => void failures.push(failureOf(issuer, 'keys', error, source.status?.().jwksUri ?? issuer)),
      ),
    )
  }
  if (introspection !== undefined) {
    const { issuer, introspector } = introspection
    checks.push(
      within(() => introspector.ready(), timeoutMs, issuer).then(
        () => undefined,
        (error: unknown) => void failures.push(failureOf(issuer, 'introspection', error, issuer)),
      ),
    )
  }
  await Promise.all(checks)
  if (failures.length > 0) throw new ReadinessError(failures)
  return { issuers }
}

function within<T>(work: () => Promise<T>, timeoutMs: number, issuer: string): Promise<T> {
  // The fetches have their own timeouts; this bounds discovery plus keys together.
  return withDeadline(() => work(), timeoutMs, `no answer from the dependencies of issuer ${JSON.stringify(issuer)} within ${timeoutMs} ms`)
}

function failureOf(issuer: string, dependency: ReadinessFailure['dependency'], error: unknown, fallbackUrl: string): ReadinessFailure {
  const fault = findFault(error)
  if (fault !== undefined) return { issuer, dependency, kind: fault.kind, url: fault.url, message: fault.message }
  const message = error instanceof Error ? error.message : String(error)
  return { issuer, dependency, kind: message.startsWith('no answer') ? 'timeout' : 'network', url: fallbackUrl, message }
}

/** Builds the `health()` snapshot from the key sources' state. */
export function healthReport(sources: ReadonlyMap<string, KeySource>): HealthReport {
  const issuers: IssuerHealth[] = []
  for (const [issuer, source] of sources) {
    const status = source.status?.()
    if (status === undefined) {
      issuers.push({ issuer, keys: 0, stale: false })
      continue
    }
    issuers.push({
      issuer,
      ...(status.jwksUri === undefined ? {} : { jwksUri: status.jwksUri }),
      keys: status.keys,
      ...(status.lastFetch === undefined ? {} : { lastFetch: new Date(status.lastFetch).toISOString() }),
      ...(status.lastError === undefined ? {} : { lastError: status.lastError }),
      stale: status.stale,
    })
  }
  const usable = issuers.filter((entry) => entry.keys > 0).length
  const status = usable === 0 ? 'down' : usable < issuers.length || issuers.some((entry) => entry.stale || entry.lastError !== undefined) ? 'degraded' : 'ok'
  return { status, issuers }
}

