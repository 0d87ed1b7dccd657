import type { Identity, Rejections } from '@portcullis/core'
import { groupsOf, type CompiledResource } from './grant-config.js'
import type { Urgency } from './grant-types.js'

/** The compiled `freshAuthentication` option. */
export interface FreshAuthentication {
  readonly maxAge: number
  readonly acr: readonly string[] | undefined
}

/** Runs a hook with an AbortSignal, rejecting (and aborting it) after `ms`. */
export function withTimeout(run: (signal: AbortSignal) => Promise<void> | void, ms: number): Promise<void> {
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort()
      reject(new Error(`timed out after ${ms} ms`))
    }, ms)
  })
  return Promise.race([Promise.resolve().then(() => run(controller.signal)), timeout]).finally(() => clearTimeout(timer))
}

/**
 * RFC 9470: CRITICAL requests and sensitive resources need a recent authentication (and an
 * acceptable `acr` when configured); throws the 401 `insufficient_user_authentication` error.
 */
export function checkFreshAuthentication(fresh: FreshAuthentication | undefined, rejections: Rejections, identity: Identity, resource: CompiledResource, urgency: Urgency, now: number): void {
  if (fresh === undefined || (urgency !== 'CRITICAL' && !resource.sensitive)) return
  const requirement = { ...(fresh.acr === undefined ? {} : { acrValues: fresh.acr }), maxAge: fresh.maxAge }
  if (fresh.acr !== undefined && (identity.acr === undefined || !fresh.acr.includes(identity.acr))) {
    throw rejections.insufficientUserAuthentication(requirement, 'A stronger authentication is required for this request')
  }
  if (identity.authTime === undefined || (now - identity.authTime.getTime()) / 1000 > fresh.maxAge) {
    throw rejections.insufficientUserAuthentication(requirement, 'A recent authentication is required for this request')
  }
}

/** Whether a request falls inside the resource's auto-approval criteria (all given must hold). */
export function autoApproves(resource: CompiledResource, identity: Identity, actions: readonly string[], duration: number, now: number): boolean {
  const auto = resource.auto
  if (auto === undefined || duration > auto.maxDuration) return false
  if (auto.actions !== undefined && !actions.every((a) => auto.actions?.has(a))) return false
  if (auto.users !== undefined || auto.groups !== undefined) {
    const byUser = auto.users?.has(identity.subject as string) === true
    const byGroup = auto.groups !== undefined && groupsOf(identity).some((g) => auto.groups?.has(g))
    if (!byUser && !byGroup) return false
  }
  return auto.windows === undefined || auto.windows.within(now)
}

