import type { Identity } from '../identity/identity.js'
import { DependencyUnavailable, TokenInvalid } from '../internal/failures.js'
import { tokenDigest } from '../token/token-digest.js'
import type { RevocationStore } from './revocation-store.js'

/** The compiled `revocation` option: the store to ask and how long to wait for it. */
export interface RevocationConfig {
  readonly store: RevocationStore
  readonly timeoutMs: number
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  // One promise and one timer per check (no Promise.race, no async frame): this runs on every
  // request of an API with a revocation store, cache hits included.
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The revocation store did not answer within ${timeoutMs} ms`)), timeoutMs)
    // A store written in JavaScript may answer with a plain value.
    Promise.resolve(promise).then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

export async function checkRevocation(identity: Identity, token: string, config: RevocationConfig, tokenHash: string = tokenDigest(token)): Promise<void> {
  const claims = identity.claims as Record<string, unknown>
  const iat = claims['iat']
  let reason
  try {
    reason = await withTimeout(
      config.store.check({
        issuer: identity.issuer,
        tokenHash,
        jti: optionalString(claims['jti']),
        subject: identity.subject,
        sid: optionalString(claims['sid']),
        clientId: identity.clientId,
        issuedAt: typeof iat === 'number' && Number.isFinite(iat) ? iat : undefined,
      }),
      config.timeoutMs,
    )
  } catch (error) {
    // Fail closed: an unreachable denylist must not let revoked tokens in.
    throw DependencyUnavailable.create('revocation', 'The revocation status could not be checked', 1, error)
  }
  if (reason !== undefined) throw TokenInvalid.create('revoked', 'The access token was revoked')
}
