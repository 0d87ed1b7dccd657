import type { Identity } from '../identity/identity.js'
import { DependencyUnavailable, TokenInvalid } from '../internal/failures.js'
import { settleWithin } from '../internal/with-deadline.js'
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

export async function checkRevocation(identity: Identity, token: string, config: RevocationConfig, tokenHash: string = tokenDigest(token)): Promise<void> {
  const claims = identity.claims as Record<string, unknown>
  const iat = claims['iat']
  let reason
  try {
    reason = await settleWithin(
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
      () => new Error(`The revocation store did not answer within ${config.timeoutMs} ms`),
    )
  } catch (error) {
    // Fail closed: an unreachable denylist must not let revoked tokens in.
    throw DependencyUnavailable.create('revocation', 'The revocation status could not be checked', 1, error)
  }
  if (reason !== undefined) throw TokenInvalid.create('revoked', 'The access token was revoked')
}
