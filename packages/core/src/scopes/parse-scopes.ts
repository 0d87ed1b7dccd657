import { TokenInvalid } from '../internal/failures.js'

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/

/** True when `value` is one well-formed RFC 6749 scope-token. */
export function isScopeToken(value: string): boolean {
  return SCOPE_TOKEN.test(value)
}

// A space-delimited list of scope-tokens, checked in one pass before it is split.
const SCOPE_LIST = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/

function addSpaceDelimited(into: Set<string>, value: string, claim: string): void {
  if (value === '') return
  if (!SCOPE_LIST.test(value)) throw TokenInvalid.create('claims', `The "${claim}" claim is malformed`)
  for (const token of value.split(' ')) {
    // Several spaces in a row produce empty items: tolerated, like most authorization servers emit.
    if (token !== '') into.add(token)
  }
}

function addArray(into: Set<string>, value: readonly unknown[], claim: string): void {
  for (const item of value) {
    if (typeof item !== 'string' || !SCOPE_TOKEN.test(item)) {
      throw TokenInvalid.create('claims', `The "${claim}" claim is malformed`)
    }
    into.add(item)
  }
}

/**
 * Collects granted scopes from `scope` (space-delimited string, RFC 9068 §2.2.3), `scp`
 * (string or array, as Azure AD and Okta emit it) and `permissions` (array, Auth0 RBAC).
 * A claim of the wrong type is a malformed token, not an empty grant: it is refused.
 */
export function parseScopes(claims: Readonly<Record<string, unknown>>): string[] {
  const scopes = new Set<string>()
  const { scope, scp, permissions } = claims
  if (scope !== undefined) {
    if (typeof scope !== 'string') throw TokenInvalid.create('claims', 'The "scope" claim must be a string')
    addSpaceDelimited(scopes, scope, 'scope')
  }
  if (scp !== undefined) {
    if (typeof scp === 'string') addSpaceDelimited(scopes, scp, 'scp')
    else if (Array.isArray(scp)) addArray(scopes, scp, 'scp')
    else throw TokenInvalid.create('claims', 'The "scp" claim must be a string or an array')
  }
  if (permissions !== undefined) {
    if (!Array.isArray(permissions)) throw TokenInvalid.create('claims', 'The "permissions" claim must be an array')
    addArray(scopes, permissions, 'permissions')
  }
  return Array.from(scopes)
}
