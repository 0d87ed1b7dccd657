import type { Authenticator, JwksFetchEvent } from '@portcullis/core'

/**
 * Readiness: "the keys of every issuer are loaded". The core loads an issuer's JWKS lazily, on
 * the first token; the gateway loads them at start (and again on `/ready` until they are) by
 * asking the authenticator to verify a placeholder token per issuer: the core fetches the
 * issuer's keys, reports the fetch through `jwks.onFetch`, then refuses the placeholder (its
 * signature is not valid, so it can never authenticate anything). That rejection appears once
 * per warm-up in the audit trail as an `authn_login_fail` with reason `signature`.
 */
export interface Readiness {
  /** Pass to the authenticator's `jwks.onFetch`. */
  readonly onFetch: (event: JwksFetchEvent) => void
  /** True once every issuer's keys were loaded at least once (the core then serves them stale-if-error). */
  isReady(): boolean
  /** Loads the keys of the issuers not ready yet; resolves with `isReady()`. */
  warmUp(authenticator: Authenticator): Promise<boolean>
}

const WARM_UP_INTERVAL_MS = 5000

function placeholder(issuer: string, audience: string, alg: string): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  // No kid: the core takes every key of the algorithm (no unknown-kid refetch), then the
  // signature check fails.
  return `${part({ alg, typ: 'JWT' })}.${part({ iss: issuer, aud: audience, sub: 'portcullis-gateway-readiness' })}.${'A'.repeat(86)}`
}

/**
 * Creates the readiness tracker of one token configuration.
 *
 * @example
 * ```ts
 * const readiness = createReadiness(['https://id.example.com/'], 'https://api.example.com', 'RS256')
 * ```
 */
export function createReadiness(issuers: readonly string[], audience: string, alg: string): Readiness {
  let loaded = 0
  const ready = new Set<string>()
  let running: Promise<boolean> | undefined
  let lastAttempt = -Infinity
  const isReady = (): boolean => ready.size === issuers.length
  return {
    onFetch(event) {
      if (event.outcome === 'ok' && (event.keys ?? 0) > 0) loaded++
    },
    isReady,
    warmUp(authenticator) {
      if (isReady()) return Promise.resolve(true)
      if (running !== undefined) return running
      if (Date.now() - lastAttempt < WARM_UP_INTERVAL_MS) return Promise.resolve(false)
      lastAttempt = Date.now()
      running = (async () => {
        for (const issuer of issuers) {
          if (ready.has(issuer)) continue
          const before = loaded
          try {
            await authenticator.authenticate({ method: 'GET', url: '/', headers: { authorization: `Bearer ${placeholder(issuer, audience, alg)}` } })
          } catch {
            // Expected: the placeholder is refused once the keys are loaded (or could not be).
          }
          if (loaded > before) ready.add(issuer)
        }
        running = undefined
        return isReady()
      })()
      return running
    },
  }
}
