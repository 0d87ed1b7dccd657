import { configurationError } from '../errors.js'
import type { Identity } from './identity.js'
import { TokenInvalid } from '../internal/failures.js'

/** An actor allowed to act for others: by `sub`, optionally only from one issuer. */
export interface AllowedActor {
  subject: string
  issuer?: string
}

/**
 * Rules for delegated tokens (RFC 8693 §4.1 `act`). A refused token is answered 401
 * `invalid_token`: like a wrong audience, the token is not acceptable at this resource server.
 */
export interface DelegationOptions {
  /** `false` refuses every token carrying `act`. Default `true`. */
  allow?: boolean
  /** Longest actor chain accepted (1 = a direct delegation only). Default: no limit beyond 16. */
  maxDepth?: number
  /** Only these current actors (the outermost `act`) are accepted. Default: any. */
  actors?: readonly AllowedActor[]
}

/** Compiled delegation rules. */
export interface DelegationRule {
  readonly allow: boolean
  readonly maxDepth: number | undefined
  readonly actors: readonly AllowedActor[] | undefined
}

/** Validates the `delegation` option. */
export function compileDelegation(options: DelegationOptions): DelegationRule {
  if (typeof options !== 'object' || options === null) throw configurationError('delegation must be an object')
  for (const key of Object.keys(options)) {
    if (!['allow', 'maxDepth', 'actors'].includes(key)) throw configurationError(`delegation.${key} is not an option`)
  }
  if (options.allow !== undefined && typeof options.allow !== 'boolean') throw configurationError('delegation.allow must be a boolean')
  const { maxDepth, actors } = options
  if (maxDepth !== undefined && (typeof maxDepth !== 'number' || !Number.isInteger(maxDepth) || maxDepth < 1 || maxDepth > 16)) {
    throw configurationError('delegation.maxDepth must be an integer from 1 to 16')
  }
  if (actors !== undefined) {
    if (!Array.isArray(actors)) throw configurationError('delegation.actors must be an array of { subject, issuer? }')
    for (const actor of actors as unknown[]) {
      const { subject, issuer } = (actor ?? {}) as Record<string, unknown>
      if (typeof subject !== 'string' || subject === '' || (issuer !== undefined && (typeof issuer !== 'string' || issuer === ''))) {
        throw configurationError('delegation.actors must hold { subject: string, issuer?: string }')
      }
    }
  }
  return {
    allow: options.allow ?? true,
    maxDepth,
    actors: actors === undefined ? undefined : Object.freeze(actors.map((a) => Object.freeze({ ...a }))),
  }
}

/**
 * Applies `rule` to the actor chain of `identity`. Only the current actor is matched against
 * the allow-list: nested actors are prior ones, informational only (RFC 8693 §4.1). An
 * actor without `iss` belongs to the token's issuer.
 */
export function checkDelegation(identity: Identity, rule: DelegationRule): void {
  const chain = identity.actor
  if (chain.length === 0) return
  if (!rule.allow) throw TokenInvalid.create('delegation', 'Delegated tokens are not accepted')
  if (rule.maxDepth !== undefined && chain.length > rule.maxDepth) {
    throw TokenInvalid.create('delegation', 'The delegation chain is too long')
  }
  if (rule.actors !== undefined) {
    const current = chain[0]
    const allowed = rule.actors.some(
      (a) => a.subject === current?.subject && (a.issuer === undefined || a.issuer === (current?.issuer ?? identity.issuer)),
    )
    if (!allowed) throw TokenInvalid.create('delegation', 'The actor is not allowed')
  }
}
