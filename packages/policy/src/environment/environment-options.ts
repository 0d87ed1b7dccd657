import { configurationError, optionsObject } from '@portcullis/core'
import { resolveClientIp } from './client-ip.js'
import { createDeviceTrustReader } from './device-trust.js'
import { createZoneResolver } from './network-zone.js'
import { createRiskModel, type RiskFactor } from './risk.js'
import { parseCidrList, type CidrSet } from '@portcullis/core'
import { validateTimeZone } from '../operators/zoned-time.js'
import type { EnvironmentRuntime } from '../attributes/decision-state.js'

/**
 * A risk factor: a name, a weight (0-100 points) and a test over attributes (see the built-in factors).
 *
 * @example
 * ```ts
 * const vip: PolicyRiskFactor = { name: 'vip-account', weight: 20, applies: async (a) => (await a.get('subject.claims.vip')) === true }
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
  /** IANA time zone for `environment.timeZone` and time-of-day operators (default `UTC`). */
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
  /** A risk model: `environment.risk` is `{ score, factors }` (each applied factor named), capped at `cap` (max 100). */
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
export function compileEnvironment(options: PolicyEnvironmentOptions = {}): EnvironmentRuntime {
  optionsObject(options, 'policy engine: environment', ['timeZone', 'trustedProxies', 'forwardedHeader', 'zones', 'fallbackZone', 'deviceTrust', 'risk'])
  const wrap = <T>(what: string, f: () => T): T => {
    try {
      return f()
    } catch (error) {
      throw configurationError(`policy engine: environment.${what}: ${error instanceof Error ? error.message : String(error)}`, error)
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
  return {
    timeZone,
    clientIp: (request) => resolveClientIp(request, proxies, { header: forwarded }),
    zone,
    deviceTrust: deviceTrust ?? (() => undefined),
    risk: risk === undefined ? undefined : (reader) => risk.assess(reader),
  }
}
