import type { Identity } from '@portcullis/core'
import type { PortcullisRequest } from '@portcullis/core'
import { ConditionError } from '../operators/condition-error.js'
import { walk, type AttributePath } from '../model/attribute-path.js'
import type { Effect } from '../algebra/decision.js'
import { PENDING } from './pending.js'
import type { CompiledProvider, ProviderContext } from './providers.js'
import { sanitizeAttributeValue } from './sanitize.js'
import type { CompiledObligation } from '../obligations/obligation-spec.js'
import type { RiskAssessment } from '../environment/risk.js'

/** Built-in environment logic, compiled from the engine options. */
export interface EnvironmentRuntime {
  readonly timeZone: string
  clientIp(request: PortcullisRequest): string | undefined
  zone(ip: string | undefined): string | undefined
  deviceTrust(request: PortcullisRequest): unknown
  /** Risk assessment, when a risk model is configured. */
  readonly risk: ((reader: { get(path: string): Promise<unknown> }) => Promise<RiskAssessment>) | undefined
}

export type { RiskAssessment } from '../environment/risk.js'

/** What the scope needs from the engine. */
export interface ScopeRuntime {
  readonly subjectProviders: ReadonlyMap<string, CompiledProvider>
  readonly environmentProviders: ReadonlyMap<string, CompiledProvider>
  readonly environment: EnvironmentRuntime
  readonly resourceTimeout: number
  readonly parsePath: (text: string) => AttributePath | string
}

/** An entry of the decision trail: a rule that took effect, or a node's obligations/advice. */
export interface TrailEntry {
  readonly effect: Effect
  readonly rule: string | undefined
  readonly obligations: readonly CompiledObligation[]
  readonly advice: readonly CompiledObligation[]
}

/**
 * A rule that evaluated to Indeterminate, and why.
 *
 * @example
 * ```ts
 * for (const { rule, reason } of explanation.errors) log.warn(rule, reason) // 'expired', 'attribute resource.expiresAt is missing'
 * ```
 */
export interface RuleError {
  readonly rule: string
  readonly reason: string
}

interface Memo {
  state: 0 | 1 | 2 // 0 pending, 1 value, 2 failed
  value: unknown
  error: string
  /** The failure is (or stems from) an `infrastructure` provider's. */
  infrastructure?: boolean
  /** Settles when a pending fetch is done (never rejects). */
  promise?: Promise<void>
}

const NO_RESOURCE = Symbol('no-resource')
const NEVER_ABORTED = new AbortController().signal
// Shared, never mutated: replaced by a fresh array on first push.
const NO_ERRORS: RuleError[] = []
const NO_WAITS: Promise<void>[] = []
const NO_FAILURES: string[] = []
const NO_FAILED: FailedAttribute[] = []

/**
 * An attribute that could not be read: a provider that failed, the resource loader, or the
 * risk score (with the factors and inputs it could not assess).
 *
 * @example
 * ```ts
 * explanation.failedAttributes // [{ attribute: 'subject.directory', reason: 'it did not answer within 200 ms' }]
 * ```
 */
export interface FailedAttribute {
  readonly attribute: string
  readonly reason: string
}

/**
 * The state of one decision: the request's attributes (memoized, fetched lazily), the
 * trail of effective rules and obligations, the erroring rules and the attribute values read.
 * Internal: conditions receive it, users see an {@link AttributeView}.
 */
export class EvaluationScope {
  trail: TrailEntry[] = []
  /** Shared empty list until the first error (most decisions have none). */
  errors: RuleError[] = NO_ERRORS
  /** Attribute reads as a flat list: path, value, path, value, ... */
  used: unknown[] = []
  /** Promises of the fetches started in this pass. */
  waits: Promise<void>[] = NO_WAITS
  /** Incremented each time a read waits: detects a predicate that swallowed the signal. */
  pendingRaised = 0
  /** The fetch the last `PENDING` waited for. */
  lastPending: Promise<void> | undefined
  infrastructureFailures: string[] = NO_FAILURES
  /** Attributes a strict read found missing (JSON operators, `require`), across passes. */
  missing: string[] = NO_FAILURES
  /** Attributes whose fetch failed and that a condition read, across passes. */
  failed: FailedAttribute[] = NO_FAILED
  /** Children left unevaluated because their algorithm had already decided: node list, first index, ... */
  skipped: unknown[] = []
  /** Incremented on each read of a failed infrastructure attribute. */
  infrastructureReads = 0
  /** Rules that were Indeterminate after reading a failed infrastructure attribute. */
  infrastructureRules: Set<object> | undefined
  /** A policy target was Indeterminate after reading a failed infrastructure attribute. */
  infrastructureTarget = false
  /** What-if values of rules (the infrastructure impact check); undefined in normal passes. */
  overrides: Map<object, string> | undefined
  private memoValue: Map<string, Memo> | undefined
  private subjectValue: Record<string, unknown> | undefined | null = null
  private providerContextValue: Omit<ProviderContext, 'signal'> | undefined
  private viewValue: object | undefined
  private resourceMemo: Memo | undefined
  /** Candidate index key of (action, static resource type). */
  readonly indexKey: string

  constructor(
    readonly runtime: ScopeRuntime,
    readonly action: string,
    readonly staticResourceType: string | undefined,
    readonly identity: Identity | undefined,
    readonly request: PortcullisRequest,
    readonly now: number,
    private readonly loader: (() => unknown) | undefined,
    readonly makeView: (scope: EvaluationScope) => object,
  ) {
    this.indexKey = staticResourceType === undefined ? action : `${action}\u0000${staticResourceType}`
  }

  /** Resets what one evaluation pass produced (memoized attributes survive). */
  startPass(): void {
    this.trail.length = 0
    if (this.errors !== NO_ERRORS) this.errors = []
    this.used.length = 0
    this.skipped.length = 0
    if (this.waits !== NO_WAITS) this.waits = []
  }

  /** Notes an attribute a strict read found missing (once). */
  noteMissing(path: string): void {
    if (this.missing === NO_FAILURES) this.missing = []
    if (!this.missing.includes(path)) this.missing.push(path)
  }

  private noteFailed(attribute: string, reason: string): void {
    if (this.failed === NO_FAILED) this.failed = []
    if (!this.failed.some((f) => f.attribute === attribute)) this.failed.push({ attribute, reason })
  }

  /** Notes a rule that was Indeterminate because it read a failed infrastructure attribute. */
  noteInfrastructureRule(rule: object): void {
    ;(this.infrastructureRules ??= new Set()).add(rule)
  }

  /** The attribute view handed to TypeScript predicates (one per decision). */
  get view(): object {
    return (this.viewValue ??= this.makeView(this))
  }

  /** Records an Indeterminate rule (or target, or policy) and its reason. */
  addError(rule: string, reason: string): void {
    if (this.errors === NO_ERRORS) this.errors = []
    this.errors.push({ rule, reason })
  }

  record(path: string, value: unknown): void {
    this.used.push(path, value)
  }

  /** Memoized attributes of this decision (survive passes). */
  get memo(): Map<string, Memo> {
    return (this.memoValue ??= new Map())
  }

  /** A memoized value, if one settled successfully. */
  settled(key: string): unknown {
    const memo = key === 'resource' ? this.resourceMemo : this.memoValue?.get(key)
    return memo?.state === 1 ? memo.value : undefined
  }

  /** Reads a parsed path; `undefined` when absent. May throw `PENDING` or a `ConditionError`. */
  read(path: AttributePath): unknown {
    let value: unknown
    const segments = path.segments
    switch (path.category) {
      case 'action':
        value = this.action
        break
      case 'resource':
        value = walk(this.resource(), segments, 0)
        break
      case 'subject':
        value = segments.length === 0 ? this.subject() : walk(this.subjectAttribute(segments[0] as string), segments, 1)
        break
      case 'environment':
        value = segments.length === 0 ? undefined : walk(this.environmentAttribute(segments[0] as string), segments, 1)
        break
    }
    this.record(path.text, value)
    return value
  }

  /** The subject attributes derived from the identity (undefined without identity). */
  subject(): Record<string, unknown> | undefined {
    if (this.subjectValue !== null) return this.subjectValue
    const identity = this.identity
    this.subjectValue =
      identity === undefined
        ? undefined
        : {
            id: identity.subject,
            issuer: identity.issuer,
            audience: identity.audience,
            clientId: identity.clientId,
            scopes: identity.scopes,
            claims: identity.claims,
            acr: identity.acr,
            amr: identity.amr,
            authTime: identity.authTime?.getTime(),
            actor: identity.actor,
            tokenType: identity.tokenType,
          }
    return this.subjectValue
  }

  subjectAttribute(name: string): unknown {
    const identity = this.identity
    switch (name) {
      case 'id':
        return identity?.subject
      case 'claims':
        return identity?.claims
      case 'scopes':
        return identity?.scopes
      case 'issuer':
        return identity?.issuer
      case 'acr':
        return identity?.acr
      default: {
        const provider = this.runtime.subjectProviders.get(name)
        if (provider !== undefined) return this.provider(provider)
        const subject = this.subject()
        return subject === undefined || !Object.prototype.hasOwnProperty.call(subject, name) ? undefined : subject[name]
      }
    }
  }

  environmentAttribute(name: string): unknown {
    const env = this.runtime.environment
    switch (name) {
      case 'time':
        return this.now
      case 'timeZone':
        return env.timeZone
      case 'ip':
        return this.memoized('environment.ip', () => env.clientIp(this.request))
      case 'zone':
        return this.memoized('environment.zone', () => env.zone(this.environmentAttribute('ip') as string | undefined))
      case 'deviceTrust': {
        // From a provider named deviceTrust (e.g. an MDM lookup) when configured, else the header.
        const provider = this.runtime.environmentProviders.get('deviceTrust')
        if (provider !== undefined) return this.provider(provider)
        return this.memoized('environment.deviceTrust', () => env.deviceTrust(this.request))
      }
      case 'risk':
        return this.risk()
      case 'anomaly': {
        // The anomaly signals requireToken({ anomalies }) set on the identity; a provider named
        // anomaly (another detector, a risk service) replaces them.
        const provider = this.runtime.environmentProviders.get('anomaly')
        return provider === undefined ? this.identity?.anomalies : this.provider(provider)
      }
      default: {
        const provider = this.runtime.environmentProviders.get(name)
        return provider === undefined ? undefined : this.provider(provider)
      }
    }
  }

  /** The resource from the route loader, loaded at most once. */
  resource(): unknown {
    const memo = this.resourceMemo
    if (memo !== undefined) return memo.state === 1 ? memo.value : this.settle('resource', memo)
    const loader = this.loader
    if (loader === undefined) return undefined
    const fresh: Memo = { state: 0, value: undefined, error: '' }
    this.resourceMemo = fresh
    this.load(fresh, 'resource', this.runtime.resourceTimeout, false, () => loader(), false, undefined)
    return this.settle('resource', fresh)
  }

  /** The resource type: the route's, else the loaded resource's string `type`. */
  resourceType(): string {
    if (this.staticResourceType !== undefined) return this.staticResourceType
    const resource = this.resource()
    const type = walk(resource, ['type'], 0)
    if (typeof type !== 'string') throw new ConditionError('the resource type is unknown (no resourceType on the route and no string resource.type)')
    return type
  }

  private risk(): unknown {
    const model = this.runtime.environment.risk
    if (model === undefined) return undefined
    const value = this.settle('environment.risk', this.memo.get('environment.risk'))
    if (value !== NO_RESOURCE) return value
    const reader = { get: (path: string) => this.readAsync(path) }
    const infrastructureBefore = this.infrastructureFailures.length
    const assess = (): Promise<RiskAssessment> =>
      model(reader).catch((error: unknown) => {
        // Name the inputs the factors could not read; an infrastructure outage behind them
        // makes the score's failure an infrastructure failure too.
        for (const factor of (error as { factors?: readonly { input?: string }[] }).factors ?? []) if (factor.input !== undefined) this.noteMissing(factor.input)
        if (this.infrastructureFailures.length > infrastructureBefore) riskMemo().infrastructure = true
        throw error
      })
    const riskMemo = (): Memo => this.memo.get('environment.risk') as Memo
    return this.start('environment.risk', 5000, false, assess, false, undefined)
  }

  /** Reads a path outside a pass (risk factors), waiting for providers as needed. */
  async readAsync(text: string): Promise<unknown> {
    const path = this.runtime.parsePath(text)
    if (typeof path === 'string') throw new ConditionError(`${text}: ${path}`)
    for (let attempt = 0; attempt < 16; attempt++) {
      try {
        return this.read(path)
      } catch (error) {
        if (error !== PENDING) throw error
        await this.lastPending
      }
    }
    throw new ConditionError(`${text} could not be resolved`)
  }

  private memoized(key: string, compute: () => unknown): unknown {
    const memo = this.memo.get(key)
    if (memo !== undefined) return memo.value
    let value: unknown
    try {
      value = compute()
    } catch {
      value = undefined
    }
    this.memo.set(key, { state: 1, value, error: '' })
    return value
  }

  provider(provider: CompiledProvider): unknown {
    const value = this.settle(provider.path, this.memo.get(provider.path))
    if (value !== NO_RESOURCE) return value
    let key: string | undefined
    if (provider.cache !== undefined && provider.key !== undefined) {
      try {
        key = provider.key(this.providerContext(NEVER_ABORTED))
      } catch {
        key = undefined
      }
      if (key !== undefined) {
        const cached = provider.cache.get(key)
        if (cached !== undefined) {
          this.memo.set(provider.path, { state: 1, value: cached, error: '' })
          return cached
        }
      }
    }
    return this.start(
      provider.path,
      provider.timeout,
      true,
      (signal) => provider.load(this.providerContext(signal)),
      provider.infrastructure,
      key === undefined ? undefined : (v: unknown) => provider.cache?.set(key, v),
    )
  }

  private providerContext(signal: AbortSignal): ProviderContext {
    const base = (this.providerContextValue ??= {
      identity: this.identity,
      request: this.request,
      action: this.action,
      now: this.now,
      resource: () => this.resourceAsync(),
    })
    return { ...base, signal }
  }

  /** The resource for a provider: waits for the loader; rejects when it failed. */
  private async resourceAsync(): Promise<unknown> {
    for (let attempt = 0; attempt < 16; attempt++) {
      try {
        return this.resource()
      } catch (error) {
        if (error !== PENDING) throw error
        await this.resourceMemo?.promise
      }
    }
    throw new ConditionError('the resource could not be loaded')
  }

  private settle(key: string, memo: Memo | undefined): unknown {
    if (memo === undefined) return NO_RESOURCE
    if (memo.state === 1) return memo.value
    if (memo.state === 2) {
      this.noteFailed(key, memo.error)
      if (memo.infrastructure === true) this.infrastructureReads++
      throw new ConditionError(`${key} is unavailable: ${memo.error}`)
    }
    this.pendingRaised++
    this.lastPending = memo.promise
    throw PENDING
  }

  // Calls `load` once, memoizing a sync value or failure directly; a promise is time-boxed and
  // awaited by the engine between passes.
  private start(
    key: string,
    timeout: number,
    sanitize: boolean,
    load: (signal: AbortSignal) => unknown,
    infrastructure: boolean,
    store: ((value: unknown) => void) | undefined,
  ): unknown {
    const memo: Memo = { state: 0, value: undefined, error: '' }
    this.memo.set(key, memo)
    this.load(memo, key, timeout, sanitize, load, infrastructure, store)
    return this.settle(key, memo)
  }

  private load(
    memo: Memo,
    key: string,
    timeout: number,
    sanitize: boolean,
    load: (signal: AbortSignal) => unknown,
    infrastructure: boolean,
    store: ((value: unknown) => void) | undefined,
  ): void {
    let controller: AbortController | undefined
    let result: unknown
    let thenable: boolean
    try {
      result = load.length > 0 ? load((controller = new AbortController()).signal) : (load as () => unknown)()
      thenable = isThenable(result)
    } catch (error) {
      this.fail(memo, key, `it threw (${reasonOf(error)})`, infrastructure)
      return
    }
    if (!thenable) {
      this.succeed(memo, key, result, sanitize, infrastructure, store)
      return
    }
    if (this.waits === NO_WAITS) this.waits = []
    memo.promise = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        controller?.abort()
        if (memo.state === 0) this.fail(memo, key, `it did not answer within ${timeout} ms`, infrastructure)
        resolve()
      }, timeout)
      timer.unref?.()
      new Promise<unknown>((res, rej) => {
        try {
          ;(result as PromiseLike<unknown>).then(res, rej)
        } catch (error) {
          rej(error)
        }
      }).then(
        (value) => {
          clearTimeout(timer)
          if (memo.state === 0) this.succeed(memo, key, value, sanitize, infrastructure, store)
          resolve()
        },
        (error: unknown) => {
          clearTimeout(timer)
          if (memo.state === 0) this.fail(memo, key, `it rejected (${reasonOf(error)})`, infrastructure)
          resolve()
        },
      )
    })
    this.waits.push(memo.promise)
  }

  private fail(memo: Memo, key: string, reason: string, infrastructure: boolean): void {
    memo.state = 2
    memo.error = reason
    if (infrastructure) {
      memo.infrastructure = true
      if (this.infrastructureFailures === NO_FAILURES) this.infrastructureFailures = []
      this.infrastructureFailures.push(key)
    }
  }

  private succeed(memo: Memo, key: string, value: unknown, sanitize: boolean, infrastructure: boolean, store: ((value: unknown) => void) | undefined): void {
    try {
      memo.value = sanitize ? sanitizeAttributeValue(value, key) : value
      memo.state = 1
      store?.(memo.value)
    } catch (error) {
      this.fail(memo, key, reasonOf(error), infrastructure)
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function'
}

/** A short, bounded reason for an error (goes to the audit trail, never to the client). */
export function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    const message = typeof error.message === 'string' ? error.message : ''
    return message.length > 500 ? `${message.slice(0, 500)}…` : message || error.name
  }
  return typeof error === 'string' ? error.slice(0, 500) : 'a non-Error value was thrown'
}
