import { DependencyFault, redactUrl } from '../internal/dependency-fault.js'
import { fetchJson, type FetchLike, type FetchJsonLimits } from '../internal/fetch-json.js'
import { checkFetchableUrl, isLoopbackHost } from '../internal/url-policy.js'

/**
 * The metadata locations of an issuer, in the order they are tried:
 * RFC 8414 §3.1 (`/.well-known/oauth-authorization-server` inserted between host and path),
 * then OpenID Connect Discovery 1.0 §4 (`/.well-known/openid-configuration` appended to the
 * issuer, as RFC 8414 §5 describes; OpenID Connect Discovery 1.0 §4.3).
 */
function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer)
  const path = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ]
}

/**
 * Finds the `jwks_uri` of `issuer` from its metadata. A document whose `issuer` is not
 * identical to the configured one is not used (RFC 8414 §3.3, §4: code-point
 * equality, no normalisation), and the `jwks_uri` must itself be https (plain http only when
 * the issuer is itself a loopback http URL).
 * Throws a `DependencyFault` naming every location tried when none gives a usable document.
 */
export function discoverJwksUri(issuer: string, fetchImpl: FetchLike, limits: FetchJsonLimits): Promise<string> {
  return discoverEndpoint(issuer, 'jwks_uri', fetchImpl, limits)
}

/**
 * Finds the URL in metadata member `member` (`jwks_uri`, `introspection_endpoint`,
 * `token_endpoint`...) of `issuer`, with the checks of {@link discoverJwksUri}.
 */
export async function discoverEndpoint(issuer: string, member: string, fetchImpl: FetchLike, limits: FetchJsonLimits): Promise<string> {
  const problems: DependencyFault[] = []
  const issuerUrl = new URL(issuer)
  const plainHttpAllowed = issuerUrl.protocol === 'http:' && isLoopbackHost(issuerUrl.hostname)
  for (const location of metadataUrls(issuer)) {
    const shown = redactUrl(location)
    let document: unknown
    try {
      document = await fetchJson(fetchImpl, location, limits)
    } catch (error) {
      problems.push(error instanceof DependencyFault ? error : new DependencyFault('network', shown, `GET ${shown}: ${String(error)}`))
      continue
    }
    const metadata = (typeof document === 'object' && document !== null ? document : {}) as Record<string, unknown>
    if (metadata['issuer'] !== issuer) {
      const named = typeof metadata['issuer'] === 'string' ? `it names ${JSON.stringify(metadata['issuer'].slice(0, 200))}` : 'it names none'
      problems.push(new DependencyFault('issuer_mismatch', shown, `${shown}: the document's issuer is not ${JSON.stringify(issuer)} (${named})`))
      continue
    }
    const endpoint = metadata[member]
    if (typeof endpoint !== 'string') {
      problems.push(new DependencyFault('invalid_metadata', shown, `${shown}: the document has no ${member}`))
      continue
    }
    const checked = checkFetchableUrl(endpoint)
    if (typeof checked === 'string') {
      problems.push(new DependencyFault('invalid_metadata', shown, `${shown}: ${member} ${checked}`))
      continue
    }
    // Plain http (allowed on loopback for local development) only when the issuer itself is a
    // loopback http URL: an https issuer's metadata must not send keys, introspection or token
    // requests to an unauthenticated channel, loopback or not.
    if (checked.protocol === 'http:' && !plainHttpAllowed) {
      problems.push(new DependencyFault('invalid_metadata', shown, `${shown}: ${member} must use https, as the issuer does`))
      continue
    }
    return checked.href
  }
  // The most telling problem decides the kind: a document that was served but unusable says
  // more than the 404 of the location the issuer does not use.
  const main = problems.find((problem) => !(problem.kind === 'http_status' && problem.status === 404)) ?? (problems[0] as DependencyFault)
  throw new DependencyFault(main.kind, main.url, `Discovery failed for issuer ${JSON.stringify(issuer)}: ${problems.map((problem) => problem.message).join('; ')}`, main.status)
}
