/**
 * The gateway's declarative configuration, as read from its YAML or JSON file. Field names
 * mirror the options of `requireToken()` and the route requirements of the adapters.
 */

/** The `requireToken` options a gateway file may set (plain data only). */
export interface GatewayTokenConfig {
  readonly issuer: string | readonly string[]
  readonly audience: string | readonly string[]
  readonly jwksUri?: string | Readonly<Record<string, string>>
  readonly algorithms?: readonly string[]
  readonly clockTolerance?: number
  readonly maxTokenAge?: number
  readonly requiredClaims?: readonly string[]
  readonly profile?: 'jwt' | 'rfc9068'
  readonly realm?: string
  readonly maxTokenLength?: number
  readonly resourceMetadata?: string
  /** Global step-up applied to every token (per-rule step-up: `rules[].stepUp`). */
  readonly acr?: string | readonly string[]
  readonly maxAge?: number
  /** DPoP (RFC 9449) options, passed to the core as they are. */
  readonly dpop?: Readonly<Record<string, unknown>>
  /** Certificate-bound tokens (RFC 8705), passed to the core as they are. */
  readonly mtls?: boolean | Readonly<Record<string, unknown>>
}

/** The token keys the gateway passes through; anything else is refused with its line. */
export const TOKEN_KEYS: readonly string[] = [
  'issuer', 'audience', 'jwksUri', 'algorithms', 'clockTolerance', 'maxTokenAge', 'requiredClaims', 'profile',
  'realm', 'maxTokenLength', 'resourceMetadata', 'acr', 'maxAge', 'dpop', 'mtls',
]

/** What a rule requires of the token: `required` (default), `optional`, or `none` (public). */
export type TokenMode = 'required' | 'optional' | 'none'

/** One access rule. Rules are tried in file order; the first that matches decides. */
export interface GatewayRuleConfig {
  /** A name for logs (default `rules[i]`). */
  readonly name?: string
  /** Host names (case-insensitive, port ignored); `*.example.com` matches one or more labels. Default: any. */
  readonly host?: string | readonly string[]
  /** Methods (upper case). Default: any. */
  readonly methods?: readonly string[]
  /** Path template: literal segments, `:name` parameters, a final `*`. */
  readonly path: string
  readonly token?: TokenMode
  /** Scopes: a list (all required), or `{ all: [...] }` / `{ any: [...] }`. */
  readonly scopes?: readonly string[] | { readonly all: readonly string[] } | { readonly any: readonly string[] }
  /** Step-up for this rule (RFC 9470). */
  readonly stepUp?: { readonly acr?: string | readonly string[]; readonly maxAge?: number }
  /** A JSON policy document: the resource is `{ type, ...pathParameters }`. */
  readonly policy?: { readonly file: string; readonly action: string; readonly resourceType?: string }
}

/** Names of the identity headers sent to the upstream (through the proxy); `false` omits one. */
export interface IdentityHeadersConfig {
  readonly subject?: string | false
  readonly client?: string | false
  readonly scopes?: string | false
  /** Claim name to header name (`email: X-Auth-Email`). */
  readonly claims?: Readonly<Record<string, string>>
  /** Longest value sent, in characters (default 1024); a longer value is left out, never cut. */
  readonly maxLength?: number
}

/** Header names a protocol reads the original request from. */
export interface ProtocolHeadersConfig {
  readonly method?: string
  readonly uri?: string
  readonly host?: string
  readonly proto?: string
}

/** The whole file. */
export interface GatewayConfig {
  readonly token: GatewayTokenConfig
  /** Addresses / CIDR ranges of the proxies allowed to call the auth endpoints. Default loopback. */
  readonly trustedProxies?: readonly string[]
  /** Status of a request no rule matches: 403 (default), 401 or 404. */
  readonly noMatchStatus?: 401 | 403 | 404
  readonly identityHeaders?: IdentityHeadersConfig
  /** Override the header names of the nginx (`auth_request`) and forward (Caddy, Traefik) endpoints. */
  readonly protocols?: { readonly nginx?: ProtocolHeadersConfig; readonly forward?: ProtocolHeadersConfig }
  readonly rules: readonly GatewayRuleConfig[]
}
