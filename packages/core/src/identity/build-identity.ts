import { TokenInvalid } from '../internal/failures.js'
import { readNumericDate } from '../token/numeric-date.js'
import { parseScopes } from '../scopes/parse-scopes.js'
import type { Claims } from './claims.js'
import type { Actor, Confirmation, Identity, TokenType } from './identity.js'

// RFC 8693 nests prior actors; a chain deeper than this is hostile, not a real delegation.
const MAX_ACTOR_DEPTH = 16

function optionalString(claims: Record<string, unknown>, name: string): string | undefined {
  const value = claims[name]
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw TokenInvalid.create('claims', `The "${name}" claim must be a string`)
  return value
}

function audienceList(aud: unknown): string[] {
  if (aud === undefined) return []
  if (typeof aud === 'string') return [aud]
  if (Array.isArray(aud) && aud.every((a) => typeof a === 'string')) return aud as string[]
  throw TokenInvalid.create('audience', 'The "aud" claim must be a string or an array of strings')
}

function confirmationOf(cnf: unknown, bindings: BindingSupport): Confirmation | undefined {
  if (cnf === undefined) return undefined
  if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) {
    throw TokenInvalid.create('claims', 'The "cnf" claim must be an object')
  }
  const { jkt, 'x5t#S256': x5t } = cnf as Record<string, unknown>
  if ((jkt !== undefined && typeof jkt !== 'string') || (x5t !== undefined && typeof x5t !== 'string')) {
    throw TokenInvalid.create('claims', 'The "cnf" claim is malformed')
  }
  // A sender-constrained token is only as good as the proof-of-possession check behind it: a
  // binding this verifier cannot check must not pass as a plain bearer token (RFC 9449 §7.2,
  // RFC 9449 §7.1, §7.2; RFC 8705 §3). Any other confirmation method (RFC 7800 jwk, jku,
  // kid...) is unknown here and refused for the same reason.
  const members = Object.keys(cnf)
  const checkable = members.every(
    (name) => (name === 'jkt' && bindings.dpop) || (name === 'x5t#S256' && bindings.mtls),
  )
  if (!checkable) {
    throw TokenInvalid.create('binding', 'The access token is bound to a key and no proof of possession can be checked')
  }
  return { ...(jkt === undefined ? {} : { jkt }), ...(x5t === undefined ? {} : { 'x5t#S256': x5t }) }
}

/** Which proof-of-possession bindings the caller verifies after building the identity. */
export interface BindingSupport {
  readonly dpop: boolean
  readonly mtls: boolean
}

const NO_BINDINGS: BindingSupport = { dpop: false, mtls: false }

function actorChain(act: unknown): Actor[] {
  const chain: Actor[] = []
  let current = act
  while (current !== undefined) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) {
      throw TokenInvalid.create('claims', 'The "act" claim must be an object')
    }
    if (chain.length === MAX_ACTOR_DEPTH) throw TokenInvalid.create('claims', 'The "act" claim is nested too deeply')
    const member = current as Record<string, unknown>
    const subject = optionalString(member, 'sub')
    const issuer = optionalString(member, 'iss')
    const clientId = optionalString(member, 'client_id')
    chain.push({
      ...(subject === undefined ? {} : { subject }),
      ...(issuer === undefined ? {} : { issuer }),
      ...(clientId === undefined ? {} : { clientId }),
    })
    current = member['act']
  }
  return chain
}

/**
 * What an identity takes from its claims alone, validated once. Frozen: the verified-token cache
 * keeps it with the token, and every request with that token shares it.
 */
export interface IdentityParts {
  readonly subject: string | undefined
  readonly audience: readonly string[]
  readonly clientId: string | undefined
  readonly scopes: readonly string[]
  readonly exp: number | undefined
  readonly confirmation: Confirmation | undefined
  readonly actor: readonly Actor[]
  readonly acr: string | undefined
  readonly amr: readonly string[] | undefined
  readonly authTime: number | undefined
}

/**
 * Validates `claims` and extracts the parts of an {@link Identity} that depend on nothing else.
 * Claims of the wrong type make the token invalid rather than being silently dropped: a policy
 * must never read a half-parsed token.
 */
export function identityParts(claims: Claims, bindings: BindingSupport = NO_BINDINGS): IdentityParts {
  const record = claims as Record<string, unknown>
  // Not surfaced as fields, but other layers key on them (revocation by jti or sid): a value of
  // the wrong type is a malformed token (RFC 7519 §4.1.7, OIDC Front-Channel Logout §3).
  optionalString(record, 'jti')
  optionalString(record, 'sid')
  const amr = record['amr']
  if (amr !== undefined && !(Array.isArray(amr) && amr.every((m) => typeof m === 'string'))) {
    throw TokenInvalid.create('claims', 'The "amr" claim must be an array of strings')
  }
  const confirmation = confirmationOf(record['cnf'], bindings)
  return Object.freeze({
    subject: optionalString(record, 'sub'),
    audience: Object.freeze(audienceList(record['aud'])),
    clientId: optionalString(record, 'client_id'),
    scopes: Object.freeze(parseScopes(record)),
    exp: readNumericDate(record, 'exp'),
    confirmation: confirmation === undefined ? undefined : Object.freeze(confirmation),
    actor: Object.freeze(actorChain(record['act']).map((actor) => Object.freeze(actor))),
    acr: optionalString(record, 'acr'),
    amr: amr === undefined ? undefined : Object.freeze(amr as string[]),
    authTime: readNumericDate(record, 'auth_time'),
  })
}

/**
 * The {@link Identity} of one request from the parts of its token: a new object (with its own
 * dates) each time, so a handler that writes to `req.auth` changes nothing for the next request.
 */
export function identityFromParts(parts: IdentityParts, claims: Claims, issuer: string, tokenType: TokenType): Identity {
  return {
    subject: parts.subject,
    issuer,
    audience: parts.audience,
    clientId: parts.clientId,
    scopes: parts.scopes,
    claims,
    tokenType,
    expiresAt: parts.exp === undefined ? undefined : new Date(parts.exp * 1000),
    confirmation: parts.confirmation,
    actor: parts.actor,
    acr: parts.acr,
    amr: parts.amr,
    authTime: parts.authTime === undefined ? undefined : new Date(parts.authTime * 1000),
  }
}

/**
 * Turns verified claims into the {@link Identity}. Claims of the wrong type make the token
 * invalid rather than being silently dropped: a policy must never read a half-parsed token.
 */
export function buildIdentity(
  claims: Claims,
  issuer: string,
  tokenType: TokenType,
  bindings: BindingSupport = NO_BINDINGS,
): Identity {
  return identityFromParts(identityParts(claims, bindings), claims, issuer, tokenType)
}
