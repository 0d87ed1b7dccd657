import type { FetchLike } from '../internal/fetch-json.js'
import type { TracerLike } from '../observability/tracing.js'
import type { ClientAuthenticationOptions } from '../introspection/introspection-options.js'

/** One downstream API the caller's token (or an exchanged one) may be sent to. */
export interface Downstream {
  /**
   * Base URL of the downstream (`https://billing.internal/api/`): requests must go to this
   * origin, under this path. https only (plain http on loopback).
   */
  url: string
  /**
   * The audience the downstream accepts. When the caller's token is not issued for it, the
   * token is exchanged for one that is (RFC 8693), or the call is refused when no `exchange` is
   * configured. Default: forward the caller's token as is (same audience, e.g. a sibling service).
   */
  audience?: string
  /** Scope requested in the exchange (space-separated). Default: none (the AS decides). */
  scope?: string
  /** Always exchange, even when the token's audience already matches. Default false. */
  alwaysExchange?: boolean
}

/** RFC 8693 token exchange at the authorization server. */
export interface TokenExchangeOptions extends ClientAuthenticationOptions {
  /** Token endpoint. Default: `token_endpoint` of `issuer`'s metadata. */
  tokenEndpoint?: string
  /** The issuer whose metadata gives the token endpoint (needed without `tokenEndpoint`). */
  issuer?: string
  /** Timeout of one exchange, in milliseconds. Default 5000. */
  timeout?: number
  /** Exchanged tokens cached at most (until shortly before they expire). Default 1000; 0 disables. */
  cacheMaxEntries?: number
}

/**
 * Options of `createTokenPropagator()`.
 *
 * @example
 * ```ts
 * createTokenPropagator({
 *   downstreams: [{ url: 'https://billing.internal/', audience: 'https://billing.internal' }],
 *   exchange: { issuer: 'https://id.example.com/', clientId: 'orders-api', clientSecret: process.env.SECRET },
 * })
 * ```
 */
export interface TokenPropagationOptions {
  /** The only places tokens are sent to. Anything else is refused. */
  downstreams: readonly Downstream[]
  /** Token exchange, for downstreams with another audience (RFC 8693 §2). */
  exchange?: TokenExchangeOptions
  /** The fetch used for downstream calls and exchanges. Default: the global fetch. */
  fetch?: FetchLike
  /**
   * An OpenTelemetry tracer: each `fetch` / `headers` call runs in an active
   * `portcullis.propagate_token` span, so the token-exchange request and the downstream request
   * (and the `traceparent` your HTTP instrumentation adds to them) are its children.
   */
  tracer?: TracerLike
  /** Current time in milliseconds (tests). Default `Date.now`. */
  clock?: () => number
}
