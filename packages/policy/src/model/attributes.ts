import type { Actor, AnomalyReport } from '@portcullis/core'
import type { Claims } from '@portcullis/core'
import type { RiskAssessment } from '../attributes/decision-state.js'

/**
 * Subject attributes derived from the verified identity. Provider values appear next to them
 * (`subject.<provider>`), typed by the second parameter of {@link PolicyAttributes}.
 *
 * @example
 * ```ts
 * permit('same-department', { when: (a) => a.subject.claims.department === 'eng' && a.subject.scopes.includes('documents:read') })
 * ```
 */
export interface SubjectAttributes {
  /** `sub`. */
  readonly id: string | undefined
  readonly issuer: string
  readonly audience: readonly string[]
  readonly clientId: string | undefined
  readonly scopes: readonly string[]
  readonly claims: Readonly<Claims>
  readonly acr: string | undefined
  readonly amr: readonly string[] | undefined
  /** `auth_time` in epoch milliseconds. */
  readonly authTime: number | undefined
  /** Delegation chain (RFC 8693), current actor first. */
  readonly actor: readonly Actor[]
  readonly tokenType: 'jwt' | 'opaque'
}

/**
 * Built-in environment attributes.
 *
 * @example
 * ```ts
 * deny('off-network', { when: (a) => a.environment.zone === 'untrusted' || (a.environment.risk?.score ?? 100) > 50 })
 * ```
 */
export interface EnvironmentAttributes {
  /** The decision time, epoch milliseconds (from the engine's clock). */
  readonly time: number
  /** The engine's IANA time zone (default `UTC`). */
  readonly timeZone: string
  /** The client IP, honouring the trusted proxies. */
  readonly ip: string | undefined
  /** The network zone of the client IP (first matching CIDR list), or the fallback zone. */
  readonly zone: string | undefined
  /** Device trust from the configured header, or undefined. */
  readonly deviceTrust: string | number | undefined
  /** The risk assessment, when a risk model is configured. */
  readonly risk: RiskAssessment | undefined
  /**
   * The request's anomaly signals (`requireToken({ anomalies })` of `@portcullis/core`):
   * `{ score, kinds, signals }`, scores 0-100. Undefined without a detector or identity.
   */
  readonly anomaly: AnomalyReport | undefined
}

/**
 * What a TypeScript condition sees. `R` types the resource (from the route loader), `S` the
 * subject providers, `E` the environment providers. Reading a property that needs an
 * asynchronous provider fetches it lazily (the engine re-runs the condition once it is there).
 *
 * @example
 * ```ts
 * type Doc = { owner: string; department: string; classification: string }
 * type DocAttributes = PolicyAttributes<Doc, { directory: { department: string } }>
 * const sameDepartment = permit<DocAttributes>('same-department', {
 *   actions: ['read'],
 *   when: (a) => a.subject.directory.department === a.resource.department,
 * })
 * ```
 */
export interface PolicyAttributes<R = unknown, S extends object = object, E extends object = object> {
  readonly action: string
  readonly subject: SubjectAttributes & S
  readonly resource: R
  readonly environment: EnvironmentAttributes & E
  /**
   * Reads an attribute by path and makes the rule Indeterminate when it is absent (undefined
   * or null), naming it in the explanation. Use it for every attribute a rule compares:
   * `a.subject.claims.department === a.resource.department` is `true` when both are missing
   * (`undefined === undefined`), which would permit; with `require` the rule cannot apply.
   *
   * @example
   * ```ts
   * permit('same-department', { when: (a) => a.require('subject.claims.department') === a.require('resource.department') })
   * ```
   */
  require(path: string): unknown
}
