import { configurationError, optionsObject } from '@portcullis/core'
import { resolveClientIp } from './client-ip.js'
import { createDeviceTrustReader } from './device-trust.js'
import { createZoneResolver } from './network-zone.js'
import { createRiskModel, type RiskFactor } from './risk.js'
import { parseAttributePath } from '../model/attribute-path.js'
import { parseCidrList, type CidrSet } from '@portcullis/core'
import { validateTimeZone } from '../operators/zoned-time.js'
import type { EnvironmentRuntime } from '../attributes/decision-state.js'

/**
 * A risk factor: a name, a weight (0-100 points) and a test over attributes (see the built-in
 * factors). When the factor cannot tell (its input is absent), it throws (`RiskInputMissing`
 * names the input): the score is then Indeterminate, unless the factor declares `onMissing`.
 * Answering `false` for an absent input would let a caller lower their score by omitting it.
 *
 * @example
 * ```ts
 * const vip: PolicyRiskFactor = {
 *   name: 'vip-account',
 *   weight: 20,
 *   applies: async (a) => {
 *     const vip = await a.get('subject.claims.vip')
 *     if (typeof vip !== 'boolean') throw new RiskInputMissing('subject.claims.vip', 'is missing')
 *     return vip
 *   },
 * }
 * ```
 */
export type PolicyRiskFactor = RiskFactor

/**
 * Environment options of the engine.
 *
 * @example
 * ```ts
 * createPolicyEngine(documents, {
 *   environment: {
 *     timeZone: 'Europe/Paris',
 *     trustedProxies: ['10.0.0.0/8'],
 *     zones: { corporate: ['192.168.0.0/16'], vpn: ['100.64.0.0/10'] },
 *     deviceTrust: { header: 'x-device-trust', values: ['low', 'medium', 'high'] },
 *   },
 * })
 * ```
 */
export interface PolicyEnvironmentOptions {
  /**
   * IANA time zone of `environment.timeZone` (default `UTC`). Time conditions use it when they
   * name it as their zone: `"timeZone": { "attribute": "environment.timeZone" }`.
   */
  readonly timeZone?: string
  /** Proxies whose forwarding header is honoured for `environment.ip` (walked right to left). */
  readonly trustedProxies?: readonly string[]
  /** The one header the trusted proxies write (default `x-forwarded-for`; or `forwarded`, RFC 7239). */
  readonly forwardedHeader?: 'x-forwarded-for' | 'forwarded'
  /** Network zones by name (CIDR lists), first match in declaration order wins. */
  readonly zones?: Readonly<Record<string, readonly string[]>>
  /** Zone of an address in no list (default `untrusted`). */
  readonly fallbackZone?: string
  /**
   * Device trust from a request header: allowed values (lowest first), or a 0-100 number when
   * `values` is absent; `from` limits it to connections from the posture gateway's CIDRs.
   */
  readonly deviceTrust?: { readonly header: string; readonly values?: readonly string[]; readonly from?: readonly string[] }
  /**
   * A risk model: `environment.risk` is `{ score, factors }` (each applied factor named), capped
   * at `cap` (max 100). A factor that cannot be assessed (missing input, failed provider) makes
   * `environment.risk` Indeterminate unless it declares `onMissing: { points }`.
   */
  readonly risk?: { readonly factors: readonly PolicyRiskFactor[]; readonly cap?: number }
}

/**
 * Compiles the environment options into the runtime the scope reads, validating them once.
 *
 * @example
 * ```ts
 * const runtime = compileEnvironment({ timeZone: 'UTC' })
 * ```
 */
export function compileEnvironment(options: PolicyEnvironmentOptions = {}, providers: ReadonlySet<string> = new Set()): EnvironmentRuntime {
  optionsObject(options, 'policy engine: environment', ['timeZone', 'trustedProxies', 'forwardedHeader', 'zones', 'fallbackZone', 'deviceTrust', 'risk'])
  const wrap = <T>(what: string, f: () => T): T => {
    try {
      return f()
    } catch (error) {
      throw configurationError(`policy engine: environment.${what}: ${error instanceof Error ? error.message.replace(/^Portcullis: /, '') : String(error)}`, error)
    }
  }
  const timeZone = wrap('timeZone', () => validateTimeZone(options.timeZone ?? 'UTC'))
  const proxies: CidrSet | undefined = options.trustedProxies === undefined ? undefined : wrap('trustedProxies', () => parseCidrList(options.trustedProxies ?? []))
  const forwarded = options.forwardedHeader ?? 'x-forwarded-for'
  if (forwarded !== 'x-forwarded-for' && forwarded !== 'forwarded') throw configurationError("policy engine: environment.forwardedHeader must be 'x-forwarded-for' or 'forwarded'")
  const zone = wrap('zones', () => createZoneResolver(options.zones ?? {}, options.fallbackZone ?? 'untrusted'))
  const device = options.deviceTrust
  const deviceTrust =
    device === undefined
      ? undefined
      : wrap('deviceTrust', () =>
          createDeviceTrustReader({
            header: device.header,
            ...(device.values === undefined ? {} : { values: device.values }),
            ...(device.from === undefined ? {} : { from: parseCidrList(device.from) }),
          }),
        )
  const risk = options.risk === undefined ? undefined : wrap('risk', () => createRiskModel({ factors: options.risk?.factors ?? [], ...(options.risk?.cap === undefined ? {} : { cap: options.risk.cap }) }))
  if (risk !== undefined) wrap('risk', () => checkRiskInputs(risk.factors, options, providers))
  return {
    timeZone,
    clientIp: (request) => resolveClientIp(request, proxies, { header: forwarded }),
    zone,
    deviceTrust: deviceTrust ?? (() => undefined),
    risk: risk === undefined ? undefined : (reader) => risk.assess(reader),
  }
}

const SUBJECT_ATTRIBUTES: ReadonlySet<string> = new Set(['id', 'issuer', 'audience', 'clientId', 'scopes', 'claims', 'acr', 'amr', 'authTime', 'actor', 'tokenType'])
const ENVIRONMENT_ATTRIBUTES: ReadonlySet<string> = new Set(['time', 'timeZone', 'ip', 'zone', 'anomaly'])

// A factor reading an attribute that nothing sets would be unassessable on every request:
// refuse it now, naming the attribute. `providers` holds `subject.<name>` / `environment.<name>`.
function checkRiskInputs(factors: readonly RiskFactor[], options: PolicyEnvironmentOptions, providers: ReadonlySet<string>): void {
  for (const factor of factors) {
    const inputs = (factor as { inputs?: unknown }).inputs
    if (inputs === undefined) continue
    if (!Array.isArray(inputs)) throw new TypeError(`factor ${JSON.stringify(factor.name)}: inputs must be an array of attribute paths`)
    for (const text of inputs as unknown[]) {
      const path = parseAttributePath(text)
      if (typeof path === 'string') throw new TypeError(`factor ${JSON.stringify(factor.name)}: ${path}`)
      const head = path.segments[0]
      const where = `factor ${JSON.stringify(factor.name)} reads ${path.text}`
      if (path.category === 'subject' && head !== undefined && !SUBJECT_ATTRIBUTES.has(head) && !providers.has(`subject.${head}`)) {
        throw new TypeError(`${where}, which no subject attribute or provider sets: add a provider named ${JSON.stringify(head)} or set the factor's attribute`)
      }
      if (path.category === 'environment') {
        if (head === 'risk') throw new TypeError(`${where}: a risk factor cannot read the risk score`)
        if (head === 'deviceTrust') {
          if (options.deviceTrust === undefined && !providers.has('environment.deviceTrust')) {
            throw new TypeError(`${where}, but neither environment.deviceTrust (the header) nor a deviceTrust provider is configured`)
          }
          checkDeviceTrustScale(factor, options)
        } else if (head !== undefined && !ENVIRONMENT_ATTRIBUTES.has(head) && !providers.has(`environment.${head}`)) {
          throw new TypeError(`${where}, which no environment attribute or provider sets: add an environment provider named ${JSON.stringify(head)} or set the factor's attribute`)
        }
      }
    }
  }
}

// lowDeviceTrust's scale must be the header's: levels against levels (the same), a number against a number.
function checkDeviceTrustScale(factor: RiskFactor, options: PolicyEnvironmentOptions): void {
  if (!('values' in factor) || options.deviceTrust === undefined) return
  const mine = (factor as { values?: readonly string[] }).values
  const header = options.deviceTrust.values
  if (mine === undefined && header !== undefined) throw new TypeError(`factor ${JSON.stringify(factor.name)} compares a 0-100 score, but environment.deviceTrust yields the levels ${header.join(', ')}`)
  if (mine !== undefined && header === undefined) throw new TypeError(`factor ${JSON.stringify(factor.name)} compares levels, but environment.deviceTrust yields a 0-100 score`)
  if (mine !== undefined && header !== undefined && mine.join('\u0000') !== header.join('\u0000')) {
    throw new TypeError(`factor ${JSON.stringify(factor.name)} ranks ${mine.join(', ')}, but environment.deviceTrust yields ${header.join(', ')}`)
  }
}
