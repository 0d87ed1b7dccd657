import { dirname, resolve } from 'node:path'
import { createAuthenticator, type AuditSink, type Authenticator, type FetchLike, type RequireTokenOptions } from '@portcullis/core'
import { createPolicyEngine, loadPolicyFile, watchPolicyFile, type PolicyEngine, type PolicyFileWatcher } from '@portcullis/policy'
import type { FieldPath } from './config/config-error.js'
import type { GatewayConfig, GatewayRuleConfig } from './config/config.js'
import type { LocatedConfig } from './config/load-config.js'
import type { PathIssue } from './config/validate.js'
import { compileRuleRequirements, RequirementFieldError, type RuleEnforcer } from './enforce-rule.js'
import { identityHeaderNames, type IdentityHeaderNames } from './identity-headers.js'
import { FORWARD_HEADERS, NGINX_HEADERS, protocolHeaders, type ProtocolHeaders } from './protocols/original-request.js'
import { compileHostMatch } from './rules/host-match.js'
import { compilePathTemplate, type PathTemplate } from './rules/path-template.js'
import { createReadiness, type Readiness } from './readiness.js'
import { compileProxyTrust, LOOPBACK } from './trusted-proxies.js'
import { MissingPeerError, type GatewayMetrics, type Tracing } from './observability.js'
import { compileRuleRateLimit, RateLimitFieldError, type CompiledRateLimit } from './rules/rate-limits.js'
import { KeyFieldError, loadSigningKey } from './upstream-token/signing-key.js'
import { createUpstreamTokenMinter, type UpstreamTokenMinter } from './upstream-token/upstream-token.js'

/** Programmatic options that cannot live in a file (functions, test hooks). */
export interface RuntimeOptions {
  /** Audit sink of the authenticator and the requirements. */
  readonly audit?: AuditSink
  /** Current time in ms (tests). */
  readonly clock?: () => number
  /** The fetch used for discovery and JWKS (tests). */
  readonly fetch?: FetchLike
  /** Called when a watched policy file fails to reload (the last good policy stays). */
  readonly onPolicyError?: (file: string, error: unknown) => void
  /** Watch policy files for changes (default true; the gateway's `watch` option). */
  readonly watchPolicies?: boolean
}

/** A compiled rule. */
export interface CompiledRule {
  readonly name: string
  readonly matchesHost: (hostname: string | undefined) => boolean
  readonly methods: ReadonlySet<string> | undefined
  readonly template: PathTemplate
  readonly enforcer: RuleEnforcer
  /** The audience of the upstream token this rule's upstream gets; `undefined`: none. */
  readonly upstreamAudience: string | undefined
}

/** The optional services of one gateway, loaded on first use and kept across reloads. */
export interface GatewayServices {
  metrics(): Promise<GatewayMetrics>
  tracing(): Promise<Tracing>
}

/** The upstream token of a configuration. */
export interface UpstreamToken {
  /** The JSON of the section the minter was built from (reused across reloads when unchanged). */
  readonly sectionKey: string
  readonly minter: UpstreamTokenMinter
  /** Lower-case header name on the allow answer. */
  readonly header: string
  /** `Bearer ` for Authorization, nothing for a custom header. */
  readonly prefix: string
  /** RFC 8414 metadata: the issuer and its `jwks_uri`. */
  readonly metadata: { readonly issuer: string; readonly jwks_uri: string }
  /** Where the metadata is served: the well-known path with the issuer's path appended (RFC 8414 §3.1). */
  readonly metadataPath: string
}

/** Everything a request needs, built from one version of the configuration. */
export interface GatewayRuntime {
  readonly config: GatewayConfig
  readonly authenticator: Authenticator
  /** The token section the authenticator was built from (reused across reloads when unchanged). */
  readonly tokenKey: string
  /** Whether the issuers' keys are loaded (kept with the authenticator). */
  readonly readiness: Readiness
  readonly rules: readonly CompiledRule[]
  readonly isTrustedProxy: (address: string | undefined) => boolean
  readonly noMatchStatus: 401 | 403 | 404
  readonly identityNames: IdentityHeaderNames
  readonly nginxHeaders: ProtocolHeaders
  readonly forwardHeaders: ProtocolHeaders
  /** The rate limits by key, for reuse by the next version. */
  readonly rateLimits: ReadonlyMap<string, CompiledRateLimit>
  readonly metrics: GatewayMetrics | undefined
  /** Path of the metrics on the listener, when on. */
  readonly metricsPath: string | undefined
  readonly tracing: Tracing | undefined
  readonly upstreamToken: UpstreamToken | undefined
  /** Stops the policy file watchers of this version. */
  close(): void
}

function ruleName(rule: GatewayRuleConfig, index: number): string {
  return rule.name ?? `rules[${index}]`
}

/**
 * Builds a runtime from a validated file. Everything that can fail is tried here, before the
 * runtime is put in force: a refused option throws the file's error with the line and field.
 * `previous` lends its authenticator (keys, caches) when the token section did not change.
 */
export async function buildRuntime(located: LocatedConfig, options: RuntimeOptions, services: GatewayServices, previous?: GatewayRuntime): Promise<GatewayRuntime> {
  const { config } = located
  const issues: PathIssue[] = []
  const fail = (path: FieldPath, error: unknown): void => {
    const message = ((error as Error)?.message ?? String(error)).replace(/^Portcullis: /, '')
    issues.push({ path, message })
  }

  let metrics: GatewayMetrics | undefined
  if (config.metrics?.enabled === true) {
    try {
      metrics = await services.metrics()
    } catch (error) {
      fail(['metrics', 'enabled'], error instanceof MissingPeerError ? error : new Error(`metrics could not be created: ${(error as Error).message}`))
    }
  }
  let tracing: Tracing | undefined
  if (config.tracing === true) {
    try {
      tracing = await services.tracing()
    } catch (error) {
      fail(['tracing'], error)
    }
  }
  const base = dirname(resolve(located.file))
  const upstreamToken = await buildUpstreamToken(config, base, options, fail, previous)

  const proxies = config.trustedProxies ?? LOOPBACK
  let isTrustedProxy: GatewayRuntime['isTrustedProxy'] = () => false
  try {
    isTrustedProxy = compileProxyTrust(proxies)
  } catch (error) {
    fail(['trustedProxies'], error)
  }

  // The token options of the file, plus what the gateway decides: tokens only from the
  // Authorization header (the original body is not forwarded), the proxies trusted for the
  // forwarded host and protocol (DPoP htu) and client-certificate headers (mTLS), and one
  // authenticator for every rule: optional, each rule then requires a token or not.
  const tokenKey = JSON.stringify([config.token, metrics !== undefined, tracing !== undefined])
  const reuse = previous !== undefined && previous.tokenKey === tokenKey
  let authenticator: Authenticator | undefined = reuse ? previous.authenticator : undefined
  // Shapes are the core's to validate (below); here only what readiness needs, without throwing.
  const list = (value: unknown): string[] => (typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [])
  const issuers = list(config.token.issuer)
  const audience = list(config.token.audience)[0] ?? ''
  const readiness = reuse ? previous.readiness : createReadiness(issuers, audience, list(config.token.algorithms)[0] ?? 'RS256')
  if (authenticator === undefined) {
    try {
      authenticator = createAuthenticator({
        ...(config.token as unknown as RequireTokenOptions),
        jwks: { onFetch: readiness.onFetch },
        optional: true,
        bearerMethods: ['header'],
        trustedProxies: proxies,
        ...(metrics === undefined ? {} : { metrics: metrics.core }),
        ...(tracing === undefined ? {} : { tracer: tracing.tracer }),
        ...(options.audit === undefined ? {} : { audit: options.audit }),
        ...(options.clock === undefined ? {} : { clock: options.clock }),
        ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      })
    } catch (error) {
      const option = /^Portcullis: ([A-Za-z]+)/.exec((error as Error).message)?.[1]
      fail(option !== undefined && option in config.token ? ['token', option] : ['token'], error)
    }
  }

  // One engine per policy file, shared by the rules that name it.
  const engines = new Map<string, PolicyEngine>()
  const watchers: PolicyFileWatcher[] = []
  const rules: CompiledRule[] = []
  const rateLimits = new Map<string, CompiledRateLimit>()
  for (const [index, rule] of config.rules.entries()) {
    const at: FieldPath = ['rules', index]
    let template: PathTemplate | undefined
    try {
      template = compilePathTemplate(rule.path)
    } catch (error) {
      fail([...at, 'path'], error)
    }
    let engine: PolicyEngine | undefined
    if (rule.policy !== undefined) {
      const file = resolve(base, rule.policy.file)
      engine = engines.get(file)
      if (engine === undefined) {
        try {
          engine = createPolicyEngine(await loadPolicyFile(file), options.clock === undefined ? {} : { clock: options.clock })
          engines.set(file, engine)
        } catch (error) {
          fail([...at, 'policy', 'file'], `${file}: ${(error as Error).message}`)
        }
      }
    }
    const scopes = rule.scopes === undefined
      ? undefined
      : Array.isArray(rule.scopes)
        ? { list: rule.scopes as readonly string[], match: 'all' as const }
        : 'any' in rule.scopes
          ? { list: rule.scopes.any, match: 'any' as const }
          : { list: (rule.scopes as { all: readonly string[] }).all, match: 'all' as const }
    let rateLimit: CompiledRateLimit | undefined
    try {
      rateLimit = compileRuleRateLimit(ruleName(rule, index), rule.rateLimit, config.rateLimit, [...at, 'rateLimit'], {
        trustedProxies: proxies,
        clock: options.clock,
        metrics: metrics?.core,
        previous: previous?.rateLimits,
      })
      if (rateLimit !== undefined) rateLimits.set(rateLimit.key, rateLimit)
    } catch (error) {
      if (error instanceof RateLimitFieldError) fail(error.path, error)
      else fail([...at, 'rateLimit'], error)
    }
    let enforcer: RuleEnforcer | undefined
    try {
      enforcer = compileRuleRequirements({
        ...(rateLimit === undefined ? {} : { rateLimit: rateLimit.requirement }),
        token: rule.token ?? 'required',
        ...(scopes === undefined ? {} : { scopes }),
        ...(rule.stepUp === undefined ? {} : { stepUp: rule.stepUp }),
        ...(rule.policy === undefined || engine === undefined ? {} : { policy: { engine, action: rule.policy.action, ...(rule.policy.resourceType === undefined ? {} : { resourceType: rule.policy.resourceType }) } }),
        ...(options.clock === undefined ? {} : { clock: options.clock }),
      })
    } catch (error) {
      if (error instanceof RequirementFieldError) fail([...at, error.field], error.original)
      else fail(at, error)
    }
    if (template !== undefined && enforcer !== undefined) {
      rules.push({
        name: ruleName(rule, index),
        matchesHost: compileHostMatch(rule.host),
        methods: rule.methods === undefined ? undefined : new Set(rule.methods),
        template,
        enforcer,
        upstreamAudience: upstreamToken === undefined || rule.upstreamToken === false || rule.token === 'none'
          ? undefined
          : (rule.upstreamToken?.audience ?? config.upstreamToken?.audience),
      })
    }
  }
  if (issues.length > 0 || authenticator === undefined) {
    // A bad top-level default is reported once, not once per rule that uses it.
    const seen = new Set<string>()
    throw located.error(issues.filter((i) => !seen.has(`${JSON.stringify(i.path)}${i.message}`) && seen.add(`${JSON.stringify(i.path)}${i.message}`) !== undefined))
  }

  if (options.watchPolicies !== false) {
    for (const [file, engine] of engines) {
      watchers.push(watchPolicyFile(engine, file, { onError: (error) => options.onPolicyError?.(file, error) }))
    }
  }

  return {
    config,
    authenticator,
    tokenKey,
    readiness,
    rules,
    isTrustedProxy,
    noMatchStatus: config.noMatchStatus ?? 403,
    identityNames: identityHeaderNames(config.identityHeaders),
    nginxHeaders: protocolHeaders(NGINX_HEADERS, config.protocols?.nginx),
    forwardHeaders: protocolHeaders(FORWARD_HEADERS, config.protocols?.forward),
    rateLimits,
    metrics,
    metricsPath: metrics === undefined ? undefined : (config.metrics?.path ?? '/metrics'),
    tracing,
    upstreamToken,
    close() {
      for (const watcher of watchers) watcher.close()
    },
  }
}

/** The first rule matching `method`, `hostname` and the path `segments`, with its parameters. */
export function findRule(
  rules: readonly CompiledRule[],
  method: string,
  hostname: string | undefined,
  segments: readonly string[],
): { rule: CompiledRule; params: Record<string, string> } | undefined {
  for (const rule of rules) {
    if (rule.methods !== undefined && !rule.methods.has(method)) continue
    if (!rule.matchesHost(hostname)) continue
    const params = rule.template.match(segments)
    if (params !== undefined) return { rule, params }
  }
  return undefined
}

/**
 * The upstream token of the configuration: its key loaded (or generated) and its minter, or
 * the previous one when the section did not change (the same key, the same cached tokens).
 */
async function buildUpstreamToken(
  config: GatewayConfig,
  base: string,
  options: RuntimeOptions,
  fail: (path: FieldPath, error: unknown) => void,
  previous: GatewayRuntime | undefined,
): Promise<UpstreamToken | undefined> {
  const section = config.upstreamToken
  if (section === undefined) return undefined
  const sectionKey = JSON.stringify([section, base])
  if (previous?.upstreamToken?.sectionKey === sectionKey) return previous.upstreamToken
  const algorithm = section.algorithm ?? 'ES256'
  let key
  try {
    key = await loadSigningKey(algorithm, section.key === undefined ? undefined : resolve(base, section.key), (section.publishedKeys ?? []).map((file) => resolve(base, file)))
  } catch (error) {
    if (error instanceof KeyFieldError) fail(error.index === undefined ? ['upstreamToken', error.field] : ['upstreamToken', error.field, error.index], error)
    else fail(['upstreamToken'], error)
    return undefined
  }
  const header = (section.header ?? 'Authorization').toLowerCase()
  const issuer = section.issuer
  return {
    sectionKey,
    minter: createUpstreamTokenMinter({ issuer, lifetime: section.lifetime ?? 60, claims: section.claims ?? [], key, clock: options.clock ?? Date.now }),
    header,
    prefix: header === 'authorization' ? 'Bearer ' : '',
    metadata: { issuer, jwks_uri: section.jwksUri ?? `${issuer.replace(/\/+$/, '')}/.well-known/jwks.json` },
    metadataPath: `/.well-known/oauth-authorization-server${new URL(issuer).pathname.replace(/\/+$/, '')}`,
  }
}
