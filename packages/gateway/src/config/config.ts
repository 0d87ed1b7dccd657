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
  /** This rule's rate limit; `false` turns the top-level default off for it. */
  readonly rateLimit?: GatewayRateLimitConfig | false
  /** This rule's upstream token: another audience, or `false` for none. */
  readonly upstreamToken?: { readonly audience: string } | false
}

/** Who a request counts for (the core's `RateLimitKey`, plain data). */
export type GatewayRateLimitKey = 'subject' | 'client' | 'ip' | { readonly claim: string }

/** One tier of a rate limit (the core's `RateLimitTier`). */
export interface GatewayRateLimitTier {
  readonly when?: { readonly scope: string } | { readonly claim: string; readonly value: string | number | boolean }
  readonly points: number
  readonly duration: number
  readonly name?: string
}

/**
 * A rate limit: `points` requests per `duration` seconds, or `tiers` (first match wins), counted
 * per `key` (default `subject`; requests without identity count for their address).
 */
export interface GatewayRateLimitConfig {
  readonly key?: GatewayRateLimitKey
  readonly points?: number
  readonly duration?: number
  readonly tiers?: readonly GatewayRateLimitTier[]
}

/** Prometheus metrics of the gateway (needs the `prom-client` package). */
export interface GatewayMetricsConfig {
  readonly enabled: boolean
  /** Path on the gateway's listener (default `/metrics`). */
  readonly path?: string
}

/** Signature algorithms of the upstream token. */
export type UpstreamTokenAlgorithm = 'ES256' | 'EdDSA' | 'RS256'

/**
 * The internal token the gateway signs for the upstream (token translation): the upstream
 * verifies one issuer, the gateway, whose keys are at `/.well-known/jwks.json`.
 */
export interface UpstreamTokenConfig {
  /** The `iss` of the tokens, an absolute URL; the gateway's metadata and JWKS are under it. */
  readonly issuer: string
  /** The default `aud` (a rule may name another). */
  readonly audience: string
  /** Seconds the token is valid (10 to 3600, default 60). */
  readonly lifetime?: number
  /** Default `ES256`. */
  readonly algorithm?: UpstreamTokenAlgorithm
  /** A PEM private key file (relative to the configuration file); default a key generated at start. */
  readonly key?: string
  /** PEM files whose public keys are published too (the previous key, during a rotation). */
  readonly publishedKeys?: readonly string[]
  /** The header carrying it to the upstream (default `Authorization`, as `Bearer <token>`; any other header gets the bare token). */
  readonly header?: string
  /** Claims copied from the verified token besides `sub`, `client_id`, `scope`, `act` and `may_act`. */
  readonly claims?: readonly string[]
  /** The `jwks_uri` published in the metadata (default `<issuer>/.well-known/jwks.json`). */
  readonly jwksUri?: string
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
  /** The rate limit of every rule without its own `rateLimit` (each rule counts separately). */
  readonly rateLimit?: GatewayRateLimitConfig
  /** Prometheus metrics at `metrics.path`. */
  readonly metrics?: GatewayMetricsConfig
  /** OpenTelemetry spans on the global tracer (needs `@opentelemetry/api`). */
  readonly tracing?: boolean
  /** Sign an internal token for the upstream on every allowed request with an identity. */
  readonly upstreamToken?: UpstreamTokenConfig
  readonly rules: readonly GatewayRuleConfig[]
}
