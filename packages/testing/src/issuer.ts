import type { SigningAlgorithm } from './algorithms.js'
import type { EndpointBehaviour } from './behaviour.js'
import type { IntrospectionCall, IntrospectionClient, OpaqueTokenOptions } from './introspection.js'
import type { TokenExchangeCall } from './token-exchange.js'
import type { IssuerKey } from './keys.js'
import type { SignRawOptions } from './sign-raw.js'
import { generateSigningKey } from './keys.js'
import { LocalIssuerImpl } from './internal/local-issuer.js'
import { assertFiniteSeconds, assertSigningAlgorithm, loopbackHost, normalizePath } from './internal/validate.js'

/**
 * Options of {@link createIssuer}.
 *
 * @example
 * ```ts
 * import { createIssuer, type CreateIssuerOptions } from '@portcullis/testing'
 * const options: CreateIssuerOptions = { algorithms: ['ES256', 'RS256'], path: '/tenant1' }
 * const issuer = await createIssuer(options)
 * ```
 */
export interface CreateIssuerOptions {
  /** One key per algorithm is generated at start; the first is the default. Default `['RS256']`. */
  algorithms?: SigningAlgorithm[]
  /** `aud` of minted tokens. Default `'https://api.example.test'`. */
  audience?: string
  /** Issuer path: `'/tenant1'` gives `http://127.0.0.1:PORT/tenant1`. Default `''`. */
  path?: string
  /** Loopback address to listen on (127.x.x.x, ::1, localhost). Default `'127.0.0.1'`. */
  host?: string
  /** Default token lifetime in seconds. Default 300. */
  tokenLifetime?: number
  /** Current time in ms for `iat`/`exp`. Default `Date.now`. */
  clock?: () => number
  /**
   * Credentials the introspection endpoint requires (RFC 7662 §2.1). Default
   * `{ clientId: 'introspection-client', clientSecret: 'introspection-secret' }`.
   */
  introspectionClient?: IntrospectionClient
}

/**
 * Options of {@link LocalIssuer.mint}. Key choice: `key`, else `kid`, else `alg`, else the
 * issuer's first algorithm.
 *
 * @example
 * ```ts
 * import { createIssuer, type MintOptions } from '@portcullis/testing'
 * const issuer = await createIssuer()
 * const expired: MintOptions = { expiresIn: -60 }
 * const token = await issuer.mint({}, expired)
 * ```
 */
export interface MintOptions {
  /** Sign with the current key of this algorithm; one is generated and published if none exists. */
  alg?: SigningAlgorithm
  /** Sign with this key the issuer holds (published or not). */
  kid?: string
  /** Sign with this key, which need not be published (forged-token tests). */
  key?: IssuerKey
  /**
   * Protected header members to add or override (`undefined` removes one, e.g. `{ kid: undefined }`).
   * An overridden `alg` is written verbatim but the token is still signed with the key's algorithm.
   */
  header?: Record<string, unknown>
  /** Header `typ`, default `'at+jwt'`; `null` omits it. `header.typ` wins over this. */
  typ?: string | null
  /** Lifetime in seconds from `iat`; default the issuer's `tokenLifetime`. Negative = already expired. */
  expiresIn?: number
  /** Default claims to leave out, e.g. `['exp', 'aud']`. */
  omit?: string[]
}

/**
 * Options of {@link LocalIssuer.rotate}.
 *
 * @example
 * ```ts
 * import { createIssuer, type RotateOptions } from '@portcullis/testing'
 * const issuer = await createIssuer()
 * const hardRotation: RotateOptions = { keepPrevious: false }
 * await issuer.rotate(hardRotation)
 * ```
 */
export interface RotateOptions {
  /** Algorithm of the new key; default the issuer's first algorithm. */
  alg?: SigningAlgorithm
  /** Keep the replaced key published (default `true`); `false` removes it. */
  keepPrevious?: boolean
}

/**
 * Options of {@link LocalIssuer.addKey}.
 *
 * @example
 * ```ts
 * import { createIssuer, generateSigningKey, type AddKeyOptions } from '@portcullis/testing'
 * const issuer = await createIssuer()
 * const hidden: AddKeyOptions = { publish: false }
 * issuer.addKey(await generateSigningKey('RS256'), hidden)
 * ```
 */
export interface AddKeyOptions {
  /** Publish the public key in the JWKS. Default `true`. */
  publish?: boolean
  /** Make it the signing key for its algorithm. Default `false`. */
  current?: boolean
}

/**
 * Request counters of a {@link LocalIssuer}; both discovery documents count as `discovery`.
 *
 * @example
 * ```ts
 * import { createIssuer, type IssuerStats } from '@portcullis/testing'
 * const issuer = await createIssuer()
 * const stats: IssuerStats = issuer.stats // { jwks: 0, discovery: 0 }
 * ```
 */
export interface IssuerStats {
  readonly jwks: number
  readonly discovery: number
  readonly introspection: number
  readonly token: number
}

/**
 * A running local OAuth 2.0 issuer: signing keys, a JWKS endpoint, RFC 8414 and OpenID discovery
 * metadata on loopback, and token minting. Close it in `afterAll`.
 *
 * @example
 * ```ts
 * import { createIssuer } from '@portcullis/testing'
 * const issuer = await createIssuer()
 * const token = await issuer.mint({ scope: 'orders:read' })
 * await issuer.close()
 * ```
 */
export interface LocalIssuer {
  /** The `iss` value: `origin` + `path`, no trailing slash. */
  readonly issuer: string
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string
  /** `${issuer}/jwks`, also published as `jwks_uri`. */
  readonly jwksUri: string
  readonly audience: string
  /** Keys currently published in the JWKS. */
  readonly keys: readonly IssuerKey[]
  /** The metadata document served at both well-known locations. */
  readonly metadata: Record<string, unknown>
  /** `${issuer}/introspect`, also published as `introspection_endpoint` (RFC 7662). */
  readonly introspectionEndpoint: string
  /** The credentials the introspection endpoint requires (basic or post). */
  readonly introspectionClient: IntrospectionClient
  /** Calls the introspection endpoint received (the latest 1000; cleared by `resetStats`). */
  readonly introspectionCalls: readonly IntrospectionCall[]
  /** Requests received per endpoint since start or the last {@link LocalIssuer.resetStats}. */
  readonly stats: IssuerStats

  /**
   * Mints a signed access token. Default claims: `iss`, `sub: 'user-123'`, `aud`,
   * `client_id: 'test-client'`, `iat`, `exp`, `jti` (random UUID); no `scope`. `claims` override
   * or extend them; a claim set to `undefined` is removed. Header: `alg`, `typ: 'at+jwt'`, `kid`.
   */
  mint(claims?: Record<string, unknown>, options?: MintOptions): Promise<string>
  /**
   * Shorthand for `mint({ ...claims, scope })`: an array of scopes is joined with spaces.
   */
  token(scopes: string | readonly string[], claims?: Record<string, unknown>, options?: MintOptions): Promise<string>
  /** Synchronous {@link signRaw}: arbitrary header and payload, for malformed and attack tokens. */
  signRaw(header: Record<string, unknown> | string, payload: unknown, key: IssuerKey, options?: SignRawOptions): string
  /**
   * Generates a key (default: the first algorithm), publishes it and makes it the signing key of
   * its algorithm. The key it replaces stays published unless `keepPrevious: false`.
   */
  rotate(options?: RotateOptions): Promise<IssuerKey>
  /** Adds a key; throws if the kid is already held. */
  addKey(key: IssuerKey, options?: AddKeyOptions): void
  /** Forgets a key: unpublished and no longer usable by `kid`. Throws if the kid is unknown. */
  removeKey(kid: string): void
  /**
   * Registers an opaque (non-JWT) access token and returns it: introspection answers
   * `{ active: true, ...claims }` until it expires or is revoked. Default members: `iss`,
   * `sub: 'user-123'`, `aud`, `client_id: 'test-client'`, `token_type: 'Bearer'`, `iat`, `exp`,
   * `jti`; `claims` override or extend them (`undefined` removes one).
   */
  opaqueToken(claims?: Record<string, unknown>, options?: OpaqueTokenOptions): string
  /** Makes an opaque token inactive. Returns false when it was unknown. */
  revokeOpaqueToken(token: string): boolean
  /** Token exchanges the token endpoint received (the latest 1000; cleared by `resetStats`). */
  readonly tokenExchangeCalls: readonly TokenExchangeCall[]
  /** Failure injection for the RFC 8693 token endpoint (`${issuer}/token`). */
  setTokenBehaviour(behaviour: EndpointBehaviour): void
  /** Failure injection for the introspection endpoint. */
  setIntrospectionBehaviour(behaviour: EndpointBehaviour): void
  /** Failure injection for the JWKS endpoint. */
  setJwksBehaviour(behaviour: EndpointBehaviour): void
  /** Failure injection for both discovery documents (`{ body }` serves e.g. a wrong `issuer`). */
  setDiscoveryBehaviour(behaviour: EndpointBehaviour): void
  resetStats(): void
  /** Stops the server, destroying open connections (including hanging ones). Idempotent. */
  close(): Promise<void>
}

/**
 * Starts a local issuer on a random loopback port, with one fresh key per algorithm.
 *
 * Endpoints: `${issuer}/jwks`, `${issuer}/introspect` (RFC 7662, POST with client authentication),
 * `${issuer}/token` (RFC 8693 token exchange, the same client credentials), `${origin}/.well-known/oauth-authorization-server${path}`
 * (RFC 8414) and `${issuer}/.well-known/openid-configuration`; anything else is a JSON 404.
 *
 * @param options - algorithms, audience, path, host, token lifetime, clock.
 * @returns the running issuer.
 * @example
 * ```ts
 * import { createIssuer } from '@portcullis/testing'
 * const issuer = await createIssuer({ algorithms: ['ES256'] })
 * const token = await issuer.mint({ scope: 'orders:read' })
 * // verify with requireToken({ issuer: issuer.issuer, audience: issuer.audience })
 * await issuer.close()
 * ```
 */
export async function createIssuer(options: CreateIssuerOptions = {}): Promise<LocalIssuer> {
  const algorithms = [...new Set<SigningAlgorithm>(options.algorithms ?? ['RS256'])]
  if (algorithms.length === 0) throw new TypeError('algorithms must list at least one algorithm')
  algorithms.forEach((alg) => assertSigningAlgorithm(alg, 'algorithms[]'))
  const tokenLifetime = options.tokenLifetime ?? 300
  assertFiniteSeconds(tokenLifetime, 'tokenLifetime', true)
  const audience = options.audience ?? 'https://api.example.test'
  if (typeof audience !== 'string' || audience === '') throw new TypeError('audience must be a non-empty string')
  if (options.clock !== undefined && typeof options.clock !== 'function') throw new TypeError('clock must be a function')

  const keys = await Promise.all(algorithms.map((alg) => generateSigningKey(alg)))
  return LocalIssuerImpl.start({
    algorithms,
    keys,
    audience,
    path: normalizePath(options.path),
    host: loopbackHost(options.host),
    tokenLifetime,
    clock: options.clock ?? Date.now,
    introspectionClient: checkClient(options.introspectionClient),
  })
}

function checkClient(client: IntrospectionClient | undefined): IntrospectionClient {
  if (client === undefined) return { clientId: 'introspection-client', clientSecret: 'introspection-secret' }
  if (typeof client.clientId !== 'string' || client.clientId === '' || typeof client.clientSecret !== 'string' || client.clientSecret === '') {
    throw new TypeError('introspectionClient needs a non-empty clientId and clientSecret')
  }
  return { clientId: client.clientId, clientSecret: client.clientSecret }
}
