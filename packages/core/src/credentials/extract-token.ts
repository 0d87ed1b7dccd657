import type { PortcullisRequest } from '../request.js'
import type { Rejections } from './rejections.js'

/** Where a bearer token may be sent (RFC 6750 §2; the RFC 9728 `bearer_methods_supported` names). */
export type BearerMethod = 'header' | 'body' | 'query'

/** The authentication scheme a token was presented with. */
export type TokenScheme = 'bearer' | 'dpop'

/** A token found in the request. */
export interface ExtractedToken {
  readonly token: string
  readonly method: BearerMethod
  /** `'dpop'` for `Authorization: DPoP <token>` (RFC 9449 §7.1), else `'bearer'`. */
  readonly scheme: TokenScheme
  /** The one `DPoP` proof header of a DPoP request, when present (checked by the bind step). */
  readonly proof?: string
}

/** Extraction settings compiled from the options. */
export interface ExtractionRules {
  readonly header: boolean
  readonly body: boolean
  readonly query: boolean
  readonly maxTokenLength: number
  /** Accept `Authorization: DPoP` (RFC 9449). */
  readonly dpop?: boolean
  /** DPoP is required: a token presented any other way is refused (RFC 9449 §7.1). */
  readonly dpopRequired?: boolean
}

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

function countHeader(rawHeaders: readonly string[], lowerName: string): number {
  let count = 0
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) count++
  }
  return count
}

function checkToken(token: string, rules: ExtractionRules, reject: Rejections, where: string): string {
  // The size limit comes first: an oversized token costs no parsing and no crypto.
  if (token.length > rules.maxTokenLength) {
    throw reject.invalidToken('The access token is too large', 'oversized')
  }
  if (!B64TOKEN.test(token)) throw reject.invalidRequest(`The ${where} is malformed`)
  return token
}

function fromHeader(request: PortcullisRequest, rules: ExtractionRules, reject: Rejections): { token: string; scheme: TokenScheme } | undefined {
  const value = request.headers['authorization']
  if (value === undefined) return undefined
  if (typeof value !== 'string' || (request.rawHeaders !== undefined && countHeader(request.rawHeaders, 'authorization') > 1)) {
    throw reject.invalidRequest('More than one Authorization header', 'duplicate')
  }
  // credentials = auth-scheme [ 1*SP token68 ]; the scheme is case-insensitive (RFC 9110 §11.1).
  const space = value.indexOf(' ')
  const scheme = space === -1 ? value : value.slice(0, space)
  const lower = scheme.toLowerCase()
  const dpop = rules.dpop === true && lower === 'dpop'
  if (lower !== 'bearer' && !dpop) {
    // Another scheme (Basic, Digest...) carries no bearer token: answered like no credentials
    // at all (RFC 6750 §3.1).
    return undefined
  }
  let start = space + 1
  if (space === -1) start = value.length
  while (value.charCodeAt(start) === 0x20) start++
  if (start >= value.length) throw reject.invalidRequest(`The ${dpop ? 'DPoP' : 'Bearer'} credentials are empty`)
  return { token: checkToken(value.slice(start), rules, reject, 'Authorization header'), scheme: dpop ? 'dpop' : 'bearer' }
}

/**
 * The `DPoP` header of a DPoP request (RFC 9449 §4.3 check 1): at most one. Node joins
 * repeated unknown headers with ", ", and a compact JWS never holds a comma, so a comma is a
 * second header too.
 */
function proofHeader(request: PortcullisRequest, reject: Rejections): string | undefined {
  const value = request.headers['dpop']
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value.includes(',') || (request.rawHeaders !== undefined && countHeader(request.rawHeaders, 'dpop') > 1)) {
    throw reject.invalidRequest('More than one DPoP proof header', 'duplicate')
  }
  return value.trim()
}

function isFormEncoded(request: PortcullisRequest): boolean {
  const type = request.headers['content-type']
  if (typeof type !== 'string') return false
  const semi = type.indexOf(';')
  const media = (semi === -1 ? type : type.slice(0, semi)).trim().toLowerCase()
  return media === 'application/x-www-form-urlencoded'
}

function fromBody(request: PortcullisRequest, rules: ExtractionRules, reject: Rejections): string | undefined {
  // RFC 6750 §2.2: only a single-part form body, and never with GET or HEAD.
  if (request.method === 'GET' || request.method === 'HEAD') return undefined
  const body = request.body
  if (typeof body !== 'object' || body === null || !isFormEncoded(request)) return undefined
  if (!Object.prototype.hasOwnProperty.call(body, 'access_token')) return undefined
  const value = (body as Record<string, unknown>)['access_token']
  if (typeof value !== 'string') throw reject.invalidRequest('The access_token parameter is repeated or malformed', 'duplicate')
  return checkToken(value, rules, reject, 'access_token body parameter')
}

function fromQuery(request: PortcullisRequest, rules: ExtractionRules, reject: Rejections): string | undefined {
  const mark = request.url.indexOf('?')
  // No substring shortcut: a name can be percent-encoded (access%5Ftoken), so only a real
  // parse finds every copy of the parameter. This runs only when the query method is enabled.
  if (mark === -1) return undefined
  const values = new URLSearchParams(request.url.slice(mark + 1)).getAll('access_token')
  if (values.length === 0) return undefined
  if (values.length > 1) throw reject.invalidRequest('The access_token parameter is repeated', 'duplicate')
  return checkToken(values[0] as string, rules, reject, 'access_token query parameter')
}

/**
 * Finds the bearer token of a request (RFC 6750 §2). The header method is always on; the body
 * and query methods only when enabled (RFC 6750 §2.2, §2.3; when disabled, such parameters are ignored,
 * as OAuth 2.1 asks). A token in more than one place is `invalid_request` (RFC 6750 §2, §3.1). Returns
 * `undefined` when the request carries no bearer token at all.
 */
export function extractToken(
  request: PortcullisRequest,
  rules: ExtractionRules,
  reject: Rejections,
): ExtractedToken | undefined {
  // `bearerMethods` governs Bearer tokens only: a DPoP token always travels in the header.
  const fromAuthorization = rules.header || rules.dpop === true ? fromHeader(request, rules, reject) : undefined
  const header = fromAuthorization?.scheme === 'bearer' && !rules.header ? undefined : fromAuthorization
  const body = rules.body ? fromBody(request, rules, reject) : undefined
  const query = rules.query ? fromQuery(request, rules, reject) : undefined
  const found = (header === undefined ? 0 : 1) + (body === undefined ? 0 : 1) + (query === undefined ? 0 : 1)
  if (found > 1) throw reject.invalidRequest('The access token was sent in more than one way', 'multiple_methods')
  let extracted: ExtractedToken | undefined
  if (header?.scheme === 'dpop') {
    const dpopReject = reject.dpop ?? reject
    const proof = proofHeader(request, dpopReject)
    return { token: header.token, method: 'header', scheme: 'dpop', ...(proof === undefined ? {} : { proof }) }
  }
  if (header !== undefined) extracted = { token: header.token, method: 'header', scheme: 'bearer' }
  else if (body !== undefined) extracted = { token: body, method: 'body', scheme: 'bearer' }
  else if (query !== undefined) extracted = { token: query, method: 'query', scheme: 'bearer' }
  // RFC 9449 §7.1: where DPoP is required, a bearer token does not authenticate.
  if (extracted !== undefined && rules.dpopRequired === true) {
    throw reject.invalidToken('This resource requires a DPoP-bound access token presented with DPoP', 'dpop_required')
  }
  return extracted
}
