import type { Rejections } from '../credentials/rejections.js'
import type { Identity } from './identity.js'
import { checkRevocation, type RevocationConfig } from '../revocation/check-revocation.js'
import { checkDelegation, type DelegationRule } from './delegation.js'
import { checkStepUp, type StepUpRule } from '../requirements/step-up.js'

/** The status checks run after a token is verified and bound, compiled from the options. */
export interface StatusConfig {
  readonly revocation: RevocationConfig | undefined
  readonly delegation: DelegationRule | undefined
  readonly stepUp: StepUpRule | undefined
  readonly clock: () => number
}

/**
 * The status step of the request path, once the token is verified and bound: revocation, then
 * delegation, then step-up.
 * Throws `TokenInvalid` (revoked, refused delegation), `DependencyUnavailable` (store down)
 * or the 401 `insufficient_user_authentication` error of `rejections` (RFC 9470).
 */
export async function checkStatus(identity: Identity, token: string, config: StatusConfig, rejections: Rejections, tokenHash?: string): Promise<void> {
  if (config.revocation !== undefined) await checkRevocation(identity, token, config.revocation, tokenHash)
  if (config.delegation !== undefined) checkDelegation(identity, config.delegation)
  if (config.stepUp !== undefined) {
    const failure = checkStepUp(identity, config.stepUp, config.clock())
    if (failure !== undefined) throw rejections.insufficientUserAuthentication(failure.requirement, failure.description)
  }
}
