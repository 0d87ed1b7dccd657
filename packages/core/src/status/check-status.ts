import type { Rejections } from '../credentials/rejections.js'
import type { Identity } from '../identity/identity.js'
import { DependencyUnavailable, TokenInvalid } from '../internal/failures.js'
import type { RevocationStore } from '../revocation/revocation-store.js'
import { checkDelegation, type DelegationRule } from './delegation.js'
import { checkStepUp, type StepUpRule } from './step-up.js'
import { tokenDigest } from '../token/token-digest.js'

/** The status checks run after a token is verified and bound, compiled from the options. */
export interface StatusConfig {
  readonly revocation: { readonly store: RevocationStore; readonly timeoutMs: number } | undefined
  readonly delegation: DelegationRule | undefined
  readonly stepUp: StepUpRule | undefined
  readonly clock: () => number
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`The revocation store did not answer within ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

async function checkRevocation(identity: Identity, token: string, config: NonNullable<StatusConfig['revocation']>): Promise<void> {
  const claims = identity.claims as Record<string, unknown>
  const iat = claims['iat']
  let reason
  try {
    reason = await withTimeout(
      config.store.check({
        issuer: identity.issuer,
        tokenHash: tokenDigest(token),
        jti: optionalString(claims['jti']),
        subject: identity.subject,
        sid: optionalString(claims['sid']),
        clientId: identity.clientId,
        issuedAt: typeof iat === 'number' && Number.isFinite(iat) ? iat : undefined,
      }),
      config.timeoutMs,
    )
  } catch (error) {
    // Fail closed (docs/architecture.md, "Failure policy"): an unreachable denylist must not let revoked tokens in.
    throw DependencyUnavailable.create('revocation', 'The revocation status could not be checked', 1, error)
  }
  if (reason !== undefined) throw TokenInvalid.create('revoked', 'The access token was revoked')
}

/**
 * The status step of the request path (docs/architecture.md): revocation, then delegation, then step-up.
 * Throws `TokenInvalid` (revoked, refused delegation), `DependencyUnavailable` (store down)
 * or the 401 `insufficient_user_authentication` error of `rejections` (RFC 9470).
 */
export async function checkStatus(identity: Identity, token: string, config: StatusConfig, rejections: Rejections): Promise<void> {
  if (config.revocation !== undefined) await checkRevocation(identity, token, config.revocation)
  if (config.delegation !== undefined) checkDelegation(identity, config.delegation)
  if (config.stepUp !== undefined) {
    const failure = checkStepUp(identity, config.stepUp, config.clock())
    if (failure !== undefined) throw rejections.insufficientUserAuthentication(failure.requirement, failure.description)
  }
}
