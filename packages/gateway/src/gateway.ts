import { watch, type FSWatcher } from 'node:fs'
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { basename, dirname, resolve } from 'node:path'
import { PortcullisError, type PortcullisRequest } from '@portcullis/core'
import { allow, isPortcullisError, json, refuse as refuseAsIs, ERROR_HEADER } from './answers.js'
import type { GatewayConfig } from './config/config.js'
import { parseGatewayConfig, readGatewayConfig, type LocatedConfig } from './config/load-config.js'
import { identityHeaders } from './identity-headers.js'
import { originalRequest, type OriginalRequest, type ProxyProtocol } from './protocols/original-request.js'
import { canonicalSegments } from './rules/canonical-path.js'
import { createGatewayMetrics, loadTracing, type GatewayMetrics, type Tracing } from './observability.js'
import { buildRuntime, findRule, type GatewayRuntime, type GatewayServices, type RuntimeOptions } from './runtime.js'
import { nginxRefusal } from './protocols/nginx-status.js'

/** One line of the gateway's operational log. Never contains a token. */
export interface GatewayLogEntry {
  readonly level: 'info' | 'warn' | 'error'
  readonly message: string
  readonly error?: unknown
}

/**
 * Options of {@link createGateway}.
 *
 * @example
 * ```ts
 * const gateway = await createGateway({ config: '/etc/portcullis/gateway.yaml', log: (e) => console.error(e.message) })
 * ```
 */
export interface GatewayOptions extends RuntimeOptions {
  /** The configuration file (YAML or JSON), or the configuration itself. */
  readonly config: string | GatewayConfig
  /** Reload the file when it changes (default true for a file). */
  readonly watch?: boolean
  /** Operational log: reloads, refused reloads, faults. Default: nothing. */
  readonly log?: (entry: GatewayLogEntry) => void
  /** Called after a reload was refused; the previous configuration stays in force. */
  readonly onReloadError?: (error: unknown) => void
}

/**
 * A running gateway.
 *
 * @example
 * ```ts
 * await gateway.listen(9090, '127.0.0.1')
 * process.on('SIGTERM', () => gateway.close())
 * ```
 */
export interface Gateway {
  /** The node:http server (not listening until {@link Gateway.listen}). */
  readonly server: http.Server
  /** Starts listening; resolves with the bound address. */
  listen(port: number, host?: string): Promise<AddressInfo>
  /** Stops accepting connections, lets requests in flight finish, stops watching files. */
  close(): Promise<void>
  /** Reloads the configuration file; resolves false (and keeps the old rules) when it is invalid. */
  reload(): Promise<boolean>
  /** The configuration in force. */
  readonly config: GatewayConfig
}

/** Where the gateway publishes the public keys of its upstream tokens (RFC 7517 JWK Set). */
export const JWKS_PATH = '/.well-known/jwks.json'
/** Its RFC 8414 authorization server metadata (issuer and `jwks_uri`), for discovery. */
export const METADATA_PATH = '/.well-known/oauth-authorization-server'

/** Paths of the auth endpoints, one per proxy protocol. */
export const AUTH_PATHS = { nginx: '/auth/nginx', forward: '/auth/forward', envoy: '/auth/envoy' } as const

function protocolOf(path: string): ProxyProtocol | undefined {
  if (path === AUTH_PATHS.nginx) return 'nginx'
  if (path === AUTH_PATHS.forward) return 'forward'
  if (path === AUTH_PATHS.envoy || path.startsWith(`${AUTH_PATHS.envoy}/`)) return 'envoy'
  return undefined
}

async function locate(config: string | GatewayConfig): Promise<LocatedConfig> {
  if (typeof config === 'string') return readGatewayConfig(config)
  return parseGatewayConfig(JSON.stringify(config, null, 2), '<config object>')
}

/**
 * Creates the gateway: loads and validates the configuration (throwing a `GatewayConfigError`
 * naming the file, line and field of every problem), builds the authenticator and rules, and
 * returns the HTTP server that answers the auth requests of nginx (`/auth/nginx`), Caddy and
 * Traefik (`/auth/forward`) and Envoy (`/auth/envoy/...`), with `/health` and `/ready`.
 *
 * @example
 * ```ts
 * import { createGateway } from '@portcullis/gateway'
 * const gateway = await createGateway({ config: './gateway.yaml' })
 * await gateway.listen(9090, '127.0.0.1')
 * ```
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const log = options.log ?? (() => undefined)
  const onPolicyError = (file: string, error: unknown): void => {
    log({ level: 'error', message: `policy file ${file} was not reloaded; the previous policy stays in force: ${(error as Error)?.message ?? String(error)}`, error })
    options.onPolicyError?.(file, error)
  }
  const runtimeOptions: RuntimeOptions = { ...options, onPolicyError, watchPolicies: options.watch ?? typeof options.config === 'string' }
  // Created on first use and kept for the gateway's life: a reload that turns metrics off and
  // on again keeps counting on the same registry.
  let metrics: Promise<GatewayMetrics> | undefined
  let tracing: Promise<Tracing> | undefined
  const services: GatewayServices = {
    metrics: () => (metrics ??= createGatewayMetrics().catch((error: unknown) => {
      metrics = undefined
      throw error
    })),
    tracing: () => (tracing ??= loadTracing().catch((error: unknown) => {
      tracing = undefined
      throw error
    })),
  }
  let runtime: GatewayRuntime = await buildRuntime(await locate(options.config), runtimeOptions, services)
  // Load the issuers' keys now rather than on the first request (readiness).
  void runtime.readiness.warmUp(runtime.authenticator)
  let closed = false

  let chain: Promise<boolean> = Promise.resolve(true)
  const reload = (): Promise<boolean> => {
    chain = chain.then(async () => {
      if (closed) return false
      try {
        const next = await buildRuntime(await locate(options.config), runtimeOptions, services, runtime)
        const old = runtime
        runtime = next
        void next.readiness.warmUp(next.authenticator)
        old.close()
        log({ level: 'info', message: `configuration reloaded: ${next.rules.length} rules` })
        return true
      } catch (error) {
        log({ level: 'error', message: `configuration not reloaded; the previous rules stay in force: ${(error as Error)?.message ?? String(error)}`, error })
        try {
          options.onReloadError?.(error)
        } catch {
          // A failing callback must not break reloading.
        }
        return false
      }
    })
    return chain
  }

  // Watch the directory, not the file: editors and config management replace files by rename.
  let watcher: FSWatcher | undefined
  let timer: NodeJS.Timeout | undefined
  if (typeof options.config === 'string' && options.watch !== false) {
    const file = resolve(options.config)
    const name = basename(file)
    watcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
      if (changed !== null && changed.toString() !== name) return
      if (timer !== undefined) clearTimeout(timer)
      timer = setTimeout(() => void reload(), 100)
    })
    watcher.on('error', (error) => log({ level: 'error', message: 'configuration watcher failed', error }))
  }

  // Auth requests are small and come from a proxy on a kept-alive connection: short header and
  // request timeouts bound what a slow peer can hold; the keep-alive timeout outlives nginx's
  // and Caddy's idle upstream timeouts so the proxy, not the gateway, closes idle connections.
  const server = http.createServer({ maxHeaderSize: 32 * 1024, headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    const current = runtime
    const answer = current.tracing === undefined ? handle(req, res, current) : current.tracing.withRemoteParent(req.headers, () => handle(req, res, current))
    answer.catch((error: unknown) => {
      log({ level: 'error', message: 'unexpected fault while answering an auth request', error })
      if (!res.headersSent) json(res, 503, { error: 'temporarily_unavailable' }, { 'retry-after': '1' })
      else res.destroy()
    })
  })

  server.keepAliveTimeout = 75_000

  async function handle(req: IncomingMessage, res: ServerResponse, current: GatewayRuntime): Promise<void> {
    // The body of the original request is never read (tokens come from the header only).
    req.resume()
    const url = req.url ?? '/'
    const path = url.split('?')[0] as string
    if (path === '/health') return json(res, 200, { status: 'ok' })
    if (path === '/ready') {
      if (closed) return json(res, 503, { status: 'stopping' })
      const ready = await current.readiness.warmUp(current.authenticator)
      return json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'keys_not_loaded', rules: current.rules.length })
    }
    if (current.metrics !== undefined && path === current.metricsPath) {
      const { contentType, text } = await current.metrics.scrape()
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(text)) })
      return void res.end(text)
    }
    if (current.upstreamToken !== undefined && path === JWKS_PATH) {
      // Public keys: upstreams may cache them for a few minutes (the core refetches on an unknown kid).
      return json(res, 200, current.upstreamToken.minter.key.jwks as unknown as Record<string, unknown>, { 'cache-control': 'public, max-age=300' }, 'application/jwk-set+json')
    }
    if (current.upstreamToken !== undefined && path === current.upstreamToken.metadataPath) {
      return json(res, 200, current.upstreamToken.metadata, { 'cache-control': 'public, max-age=300' })
    }
    const protocol = protocolOf(path)
    if (protocol === undefined) return json(res, 404, { error: 'not_found' })
    const counted = current.metrics?.answers
    if (counted !== undefined) res.once('finish', () => counted.inc({ protocol, status: String(res.statusCode) }))
    // nginx passes only 401 and 403 on (any other refusal becomes a 500): other statuses travel
    // as a 403 that names them, and the documented nginx snippet restores them.
    const refuse = protocol === 'nginx' ? nginxRefusal : refuseAsIs
    // The original method, URI and host come from headers: only a trusted proxy may send them.
    if (!current.isTrustedProxy(req.socket.remoteAddress)) {
      log({ level: 'warn', message: `auth request from untrusted address ${req.socket.remoteAddress ?? 'unknown'} refused` })
      return json(res, 403, { error: 'access_denied', error_description: 'The gateway only answers its trusted proxies' })
    }
    const headers = protocol === 'nginx' ? current.nginxHeaders : current.forwardHeaders
    const original = originalRequest(req, protocol, headers, AUTH_PATHS.envoy)
    if (typeof original === 'string') {
      log({ level: 'warn', message: `malformed ${protocol} auth request: ${original}` })
      return refuse(res, invalidRequest(`The proxy did not describe the original request: ${original}`))
    }
    const segments = canonicalSegments(original.uri)
    const found = segments === undefined ? undefined : findRule(current.rules, original.method, original.hostname, segments)
    if (found === undefined) return refuse(res, noMatch(current, segments === undefined))
    const answerError = (error: unknown): void => {
      if (isPortcullisError(error)) return refuse(res, error)
      log({ level: 'error', message: 'unexpected fault on the token path', error })
      refuse(res, new PortcullisError('temporarily_unavailable', { status: 503, description: 'The request could not be checked', headers: { 'Retry-After': '1' }, reason: 'internal' }))
    }

    const request = toPortcullisRequest(req, original)
    let identity
    let authHeaders: Readonly<Record<string, string>> = {}
    let context = current.authenticator.context
    if (found.rule.enforcer.token !== 'none') {
      try {
        const result = await current.authenticator.authenticate(request)
        if (result !== undefined) {
          identity = result.identity
          authHeaders = result.responseHeaders
          context = result.context
        }
      } catch (error) {
        return answerError(error)
      }
    }
    let obligations: Readonly<Record<string, string>>
    try {
      obligations = await found.rule.enforcer.enforce({ request, identity, context, params: found.params })
    } catch (error) {
      return answerError(error)
    }
    const answer: Record<string, string> = { ...authHeaders, ...obligations, ...identityHeaders(identity, current.identityNames) }
    const upstream = current.upstreamToken
    if (upstream !== undefined) {
      // Always present (empty without a token): the proxy replaces the client's copy with it.
      answer[upstream.header] = ''
      if (identity !== undefined && found.rule.upstreamAudience !== undefined) {
        try {
          answer[upstream.header] = `${upstream.prefix}${await upstream.minter.mint(identity, request, found.rule.upstreamAudience)}`
        } catch (error) {
          return answerError(error)
        }
      }
    }
    allow(res, answer)
  }

  return {
    server,
    get config() {
      return runtime.config
    },
    listen(port, host = '127.0.0.1') {
      return new Promise<AddressInfo>((resolvePromise, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => {
          server.off('error', reject)
          resolvePromise(server.address() as AddressInfo)
        })
      })
    },
    async close() {
      if (closed) return
      closed = true
      watcher?.close()
      if (timer !== undefined) clearTimeout(timer)
      runtime.close()
      await new Promise<void>((done) => {
        if (!server.listening) return done()
        server.close(() => done())
        // Idle keep-alive connections of the proxy would hold close() open.
        server.closeIdleConnections()
      })
    },
    reload,
  }
}

/**
 * The request as the core sees it: the original method and URI, the client's headers (as the
 * proxy passed them) with the original host and protocol set as forwarded headers, and the
 * proxy as the peer, which the authenticator trusts for exactly those headers (DPoP `htu`,
 * RFC 9449 §4.3) and for a client-certificate header (RFC 8705).
 */
function toPortcullisRequest(req: IncomingMessage, original: OriginalRequest): PortcullisRequest {
  const headers: Record<string, string | string[] | undefined> = { ...req.headers }
  delete headers['x-forwarded-host']
  delete headers['x-forwarded-proto']
  if (original.host !== undefined) {
    headers['host'] = original.host
    headers['x-forwarded-host'] = original.host
  }
  if (original.proto !== undefined) headers['x-forwarded-proto'] = original.proto
  // The raw list must say what the headers say: the core refuses a forwarded header whose
  // copies it cannot count to exactly one (RFC 8705 §6.5). The proxy's own copies of these three
  // are replaced by the original request's values; every other raw header (a repeated
  // Authorization included) stays as the proxy sent it.
  const rawHeaders: string[] = []
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] as string).toLowerCase()
    if (name === 'host' || name === 'x-forwarded-host' || name === 'x-forwarded-proto') continue
    rawHeaders.push(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string)
  }
  for (const name of ['host', 'x-forwarded-host', 'x-forwarded-proto']) {
    const value = headers[name]
    if (typeof value === 'string') rawHeaders.push(name, value)
  }
  return {
    method: original.method,
    url: original.uri,
    headers,
    rawHeaders,
    remoteAddress: req.socket.remoteAddress,
    secure: original.proto === 'https',
  }
}

function invalidRequest(description: string): PortcullisError {
  return new PortcullisError('invalid_request', { status: 400, description, reason: 'proxy_headers' })
}

function noMatch(runtime: GatewayRuntime, notCanonical: boolean): PortcullisError {
  const description = notCanonical ? 'The request path is not in canonical form' : 'No access rule matches this request'
  if (runtime.noMatchStatus === 401) {
    // A challenge like the adapters' 401 (RFC 6750 §3), with the gateway's realm.
    const challenge = runtime.authenticator.context.rejections.credentialsRequired()
    return new PortcullisError('credentials_required', { status: 401, description, headers: challenge.headers, reason: 'no_rule' })
  }
  return new PortcullisError('access_denied', { status: runtime.noMatchStatus, description, reason: 'no_rule' })
}

export { ERROR_HEADER }
