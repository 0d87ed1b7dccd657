import { configurationError } from '../errors.js'
import type { PortcullisRequest } from '../request.js'
import { parseCidrList, type CidrSet } from './operators/cidr.js'
import type { EnvironmentRuntime, RiskAssessment } from './scope.js'

/** A risk factor: a name, a weight (0-100 points) and a test over attributes. */
export interface PolicyRiskFactor {
  readonly name: string
  readonly weight: number
  applies(attributes: { get(path: string): Promise<unknown> }): boolean | Promise<boolean>
}

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
  /** Proxies whose `Forwarded` / `X-Forwarded-For` are honoured for `environment.ip`. */
  readonly trustedProxies?: readonly string[]
  /** Network zones by name (CIDR lists), first match in declaration order wins. */
  readonly zones?: Readonly<Record<string, readonly string[]>>
  /** Zone of an address in no list (default `untrusted`). */
  readonly fallbackZone?: string
  /** Device trust from a request header: allowed values (lowest first), or a 0-100 number when `values` is absent. */
  readonly deviceTrust?: { readonly header: string; readonly values?: readonly string[] }
  /** A risk model: `environment.risk` is `{ score, factors }`, score capped at `cap` (max 100). */
  readonly risk?: { readonly factors: readonly PolicyRiskFactor[]; readonly cap?: number }
}

function validateTimeZone(zone: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone
  } catch {
    throw configurationError(`policy engine: environment.timeZone ${JSON.stringify(zone)} is not an IANA time zone`)
  }
}

function firstHeader(request: PortcullisRequest, name: string): string | undefined {
  const value = request.headers[name]
  return typeof value === 'string' ? value : Array.isArray(value) ? (value[0] as string | undefined) : undefined
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
  if (typeof options !== 'object' || options === null) throw configurationError('policy engine: environment must be an object')
  const timeZone = validateTimeZone(options.timeZone ?? 'UTC')
  const wrap = <T>(what: string, f: () => T): T => {
    try {
      return f()
    } catch (error) {
      throw configurationError(`policy engine: environment.${what}: ${error instanceof Error ? error.message : String(error)}`, error)
    }
  }
  const proxies: CidrSet | undefined = options.trustedProxies === undefined ? undefined : wrap('trustedProxies', () => parseCidrList(options.trustedProxies ?? []))
  const zones: [string, CidrSet][] = Object.entries(options.zones ?? {}).map(([name, list]) => [name, wrap(`zones.${name}`, () => parseCidrList(list))])
  const fallbackZone = options.fallbackZone ?? 'untrusted'
  const device = options.deviceTrust
  if (device !== undefined && (typeof device.header !== 'string' || !/^[a-z0-9-]{1,64}$/.test(device.header))) {
    throw configurationError('policy engine: environment.deviceTrust.header must be a lower-case header name')
  }
  const risk = options.risk
  if (risk !== undefined) {
    if (!Array.isArray(risk.factors)) throw configurationError('policy engine: environment.risk.factors must be an array')
    for (const [i, f] of risk.factors.entries()) {
      if (typeof f?.name !== 'string' || typeof f.applies !== 'function' || typeof f.weight !== 'number' || !(f.weight >= 0 && f.weight <= 100)) {
        throw configurationError(`policy engine: environment.risk.factors[${i}] needs a name, a weight in [0, 100] and applies()`)
      }
    }
  }
  const cap = Math.min(100, risk?.cap ?? 100)
  return {
    timeZone,
    clientIp(request) {
      const peer = request.remoteAddress
      if (proxies === undefined || peer === undefined || !proxies.has(peer)) return peer
      const forwarded = firstHeader(request, 'x-forwarded-for')
      if (forwarded === undefined) return peer
      const hops = forwarded.split(',').map((h) => h.trim())
      for (let i = hops.length - 1; i >= 0; i--) if (!proxies.has(hops[i])) return hops[i]
      return peer
    },
    zone(ip) {
      if (ip === undefined) return fallbackZone
      for (const [name, set] of zones) if (set.has(ip)) return name
      return fallbackZone
    },
    deviceTrust(request) {
      if (device === undefined) return undefined
      const raw = firstHeader(request, device.header)?.trim()
      if (raw === undefined) return undefined
      if (device.values !== undefined) return device.values.includes(raw) ? raw : undefined
      if (!/^\d{1,3}$/.test(raw)) return undefined
      const n = Number(raw)
      return n <= 100 ? n : undefined
    },
    risk:
      risk === undefined
        ? undefined
        : async (reader): Promise<RiskAssessment> => {
            const factors: { name: string; points: number }[] = []
            for (const factor of risk.factors) {
              let applies: boolean
              try {
                applies = (await factor.applies(reader)) === true
              } catch {
                applies = true // fail safe: a factor that cannot be assessed counts
              }
              if (applies) factors.push({ name: factor.name, points: factor.weight })
            }
            const score = Math.min(cap, factors.reduce((sum, f) => sum + f.points, 0))
            return { score, factors }
          },
  }
}
