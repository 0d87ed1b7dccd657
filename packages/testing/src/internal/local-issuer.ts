import { randomUUID } from 'node:crypto'
import type { SigningAlgorithm } from '../algorithms.js'
import type { EndpointBehaviour } from '../behaviour.js'
import type { AddKeyOptions, IssuerStats, LocalIssuer, MintOptions, RotateOptions } from '../issuer.js'
import type { IssuerKey } from '../keys.js'
import type { SignRawOptions } from '../sign-raw.js'
import { generateSigningKey } from '../keys.js'
import { signRaw } from '../sign-raw.js'
import { startServer } from './http-server.js'
import type { EndpointGroup, Route, RunningServer } from './http-server.js'
import { KeyRing } from './key-ring.js'
import type { JsonWebKey as JWK } from 'node:crypto'
import { TokenExchangeEndpoint, type TokenExchangeCall } from '../token-exchange.js'
import { IntrospectionRegistry, type IntrospectionCall, type IntrospectionClient, type OpaqueTokenOptions } from '../introspection.js'
import { mergeMembers } from './members.js'
import { assertFiniteSeconds, assertSigningAlgorithm } from './validate.js'

export interface IssuerConfig {
  algorithms: SigningAlgorithm[]
  keys: IssuerKey[]
  audience: string
  path: string
  host: string
  tokenLifetime: number
  clock: () => number
  introspectionClient: IntrospectionClient
}

export class LocalIssuerImpl implements LocalIssuer {
  readonly audience: string

  readonly #config: IssuerConfig
  readonly #ring = new KeyRing()
  readonly #behaviour: Record<EndpointGroup, EndpointBehaviour> = { jwks: 'ok', discovery: 'ok', introspection: 'ok', token: 'ok' }
  #stats = { jwks: 0, discovery: 0, introspection: 0, token: 0 }
  readonly #introspection: IntrospectionRegistry
  readonly #tokenExchange: TokenExchangeEndpoint
  #server: RunningServer | undefined
  // Concurrent mints for an algorithm the issuer has no key for must share one new key.
  readonly #generating = new Map<SigningAlgorithm, Promise<IssuerKey>>()

  static async start(config: IssuerConfig): Promise<LocalIssuerImpl> {
    const issuer = new LocalIssuerImpl(config)
    issuer.#server = await startServer({
      host: config.host,
      route: (pathname) => issuer.#route(pathname),
      behaviour: (group) => issuer.#behaviour[group],
      count: (group) => {
        issuer.#stats[group] += 1
      },
    })
    return issuer
  }

  private constructor(config: IssuerConfig) {
    this.#config = config
    this.audience = config.audience
    this.#introspection = new IntrospectionRegistry(config.introspectionClient)
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this
    this.#tokenExchange = new TokenExchangeEndpoint({
      get issuer() {
        return self.issuer
      },
      client: config.introspectionClient,
      lifetime: config.tokenLifetime,
      nowSeconds: () => Math.floor(config.clock() / 1000),
      publishedKeys: () => ({ keys: this.#ring.published().map((k) => k.publicJwk as JWK) }),
      lookupOpaque: (token) => this.#introspection.lookup(token, Math.floor(config.clock() / 1000)),
      mint: (claims, expiresIn) => this.mint(claims, { expiresIn }),
    })
    for (const key of config.keys) this.#ring.add(key, true, true)
  }

  get origin(): string {
    // start() sets the server before handing the instance out.
    return this.#server!.origin
  }

  get issuer(): string {
    return `${this.origin}${this.#config.path}`
  }

  get jwksUri(): string {
    return `${this.issuer}/jwks`
  }

  get keys(): readonly IssuerKey[] {
    return Object.freeze(this.#ring.published())
  }

  get introspectionEndpoint(): string {
    return `${this.issuer}/introspect`
  }

  get introspectionClient(): IntrospectionClient {
    return this.#introspection.client
  }

  get introspectionCalls(): readonly IntrospectionCall[] {
    return [...this.#introspection.calls]
  }

  opaqueToken(claims: Record<string, unknown> = {}, options: OpaqueTokenOptions = {}): string {
    const expiresIn = options.expiresIn ?? this.#config.tokenLifetime
    assertFiniteSeconds(expiresIn, 'expiresIn', false)
    const iat = Math.floor(this.#config.clock() / 1000)
    const defaults = {
      iss: this.issuer,
      sub: 'user-123',
      aud: this.audience,
      client_id: 'test-client',
      token_type: 'Bearer',
      iat,
      exp: iat + expiresIn,
      jti: randomUUID(),
    }
    return this.#introspection.register(mergeMembers(defaults, claims, options.omit) as Record<string, unknown>)
  }

  revokeOpaqueToken(token: string): boolean {
    return this.#introspection.revoke(token)
  }

  get tokenExchangeCalls(): readonly TokenExchangeCall[] {
    return [...this.#tokenExchange.calls]
  }

  setTokenBehaviour(behaviour: EndpointBehaviour): void {
    this.#behaviour.token = checkBehaviour(behaviour)
  }

  setIntrospectionBehaviour(behaviour: EndpointBehaviour): void {
    this.#behaviour.introspection = checkBehaviour(behaviour)
  }

  get stats(): IssuerStats {
    return { ...this.#stats }
  }

  get metadata(): Record<string, unknown> {
    const algs = new Set<string>(this.#config.algorithms)
    for (const key of this.#ring.published()) algs.add(key.alg)
    return {
      issuer: this.issuer,
      jwks_uri: this.jwksUri,
      token_endpoint: `${this.issuer}/token`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [...algs],
      token_endpoint_auth_methods_supported: ['client_secret_basic'],
      introspection_endpoint: this.introspectionEndpoint,
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    }
  }

  async mint(claims: Record<string, unknown> = {}, options: MintOptions = {}): Promise<string> {
    const key = await this.#signingKey(options)
    const expiresIn = options.expiresIn ?? this.#config.tokenLifetime
    assertFiniteSeconds(expiresIn, 'expiresIn', false)
    const iat = Math.floor(this.#config.clock() / 1000)
    const defaults = {
      iss: this.issuer,
      sub: 'user-123',
      aud: this.audience,
      client_id: 'test-client',
      iat,
      exp: iat + expiresIn,
      jti: randomUUID(),
    }
    const typ = options.typ === undefined ? 'at+jwt' : options.typ
    const header = mergeMembers({ alg: key.alg, ...(typ === null ? {} : { typ }), kid: key.kid }, options.header)
    return signRaw(header, mergeMembers(defaults, claims, options.omit), key, { signWith: key.alg })
  }

  token(scopes: string | readonly string[], claims: Record<string, unknown> = {}, options?: MintOptions): Promise<string> {
    const scope = typeof scopes === 'string' ? scopes : scopes.join(' ')
    return this.mint({ ...claims, scope }, options)
  }

  signRaw(header: Record<string, unknown> | string, payload: unknown, key: IssuerKey, options?: SignRawOptions): string {
    return signRaw(header, payload, key, options)
  }

  async rotate(options: RotateOptions = {}): Promise<IssuerKey> {
    const alg = options.alg ?? this.#config.algorithms[0]!
    assertSigningAlgorithm(alg, 'alg')
    const previous = this.#ring.current(alg)
    const key = await generateSigningKey(alg)
    this.#ring.add(key, true, true)
    if (options.keepPrevious === false && previous !== undefined && this.#ring.get(previous.kid) !== undefined) {
      this.#ring.remove(previous.kid)
    }
    return key
  }

  addKey(key: IssuerKey, options: AddKeyOptions = {}): void {
    assertSigningAlgorithm(key?.alg, 'key.alg')
    this.#ring.add(key, options.publish ?? true, options.current ?? false)
  }

  removeKey(kid: string): void {
    this.#ring.remove(kid)
  }

  setJwksBehaviour(behaviour: EndpointBehaviour): void {
    this.#behaviour.jwks = checkBehaviour(behaviour)
  }

  setDiscoveryBehaviour(behaviour: EndpointBehaviour): void {
    this.#behaviour.discovery = checkBehaviour(behaviour)
  }

  resetStats(): void {
    this.#stats = { jwks: 0, discovery: 0, introspection: 0, token: 0 }
    this.#introspection.calls.length = 0
    this.#tokenExchange.calls.length = 0
  }

  async close(): Promise<void> {
    await this.#server?.close()
  }

  #route(pathname: string): Route | undefined {
    const { path } = this.#config
    if (pathname === `${path}/jwks`) {
      return {
        group: 'jwks',
        document: () => ({ keys: this.#ring.published().map((k) => k.publicJwk) }),
        headers: { 'Cache-Control': 'max-age=300' },
      }
    }
    if (pathname === `${path}/introspect`) {
      return {
        group: 'introspection',
        document: () => undefined,
        post: (request) =>
          this.#introspection.answer(request.authorization, request.contentType, request.body, Math.floor(this.#config.clock() / 1000)),
      }
    }
    if (pathname === `${path}/token`) {
      return {
        group: 'token',
        document: () => undefined,
        post: (request) => this.#tokenExchange.answer(request.authorization, request.body),
      }
    }
    // RFC 8414 inserts the well-known segment after the host; OpenID Discovery appends it.
    if (pathname === `/.well-known/oauth-authorization-server${path}` || pathname === `${path}/.well-known/openid-configuration`) {
      return { group: 'discovery', document: () => this.metadata, headers: { 'Cache-Control': 'max-age=300' } }
    }
    return undefined
  }

  async #signingKey(options: MintOptions): Promise<IssuerKey> {
    if (options.key !== undefined) return options.key
    if (options.kid !== undefined) {
      const key = this.#ring.get(options.kid)
      if (key === undefined) throw new Error(`The issuer holds no key with kid "${options.kid}"`)
      return key
    }
    const alg = options.alg ?? this.#config.algorithms[0]!
    assertSigningAlgorithm(alg, 'alg')
    const current = this.#ring.current(alg)
    if (current !== undefined) return current
    let pending = this.#generating.get(alg)
    if (pending === undefined) {
      pending = this.rotate({ alg }).finally(() => this.#generating.delete(alg))
      this.#generating.set(alg, pending)
    }
    return pending
  }
}

function checkBehaviour(behaviour: EndpointBehaviour): EndpointBehaviour {
  if (behaviour === 'ok' || behaviour === 'error' || behaviour === 'down' || behaviour === 'hang') return behaviour
  if (typeof behaviour === 'object' && behaviour !== null && 'body' in behaviour) {
    const { status } = behaviour
    if (status !== undefined && (!Number.isInteger(status) || status < 100 || status > 599)) {
      throw new TypeError(`status must be an HTTP status code (100-599); got ${String(status)}`)
    }
    return { ...behaviour }
  }
  throw new TypeError(`behaviour must be 'ok', 'error', 'down', 'hang' or { body, status?, contentType? }`)
}
