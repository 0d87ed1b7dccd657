import { configurationError } from '@portcullis/core'
import { ConditionError, isConditionError } from '../operators/condition-error.js'

/** Read access to the decision's attributes by path (`environment.zone`, `resource.classification`). */
export interface AttributeReader {
  get(path: string): Promise<unknown>
}

/**
 * A named contribution to the risk score.
 *
 * A factor that cannot be assessed (its input is missing or malformed, its provider throws or
 * times out, it throws, rejects, answers something other than a boolean or exceeds the time
 * box) makes the whole assessment Indeterminate: every rule that reads `environment.risk` is
 * then Indeterminate, which a deny-biased enforcement point refuses. Otherwise an attacker who
 * can make an input disappear (drop a header, break a lookup) would lower their own score.
 * Declare `onMissing` to score such a factor with fixed points instead.
 */
export interface RiskFactor {
  /** Unique name, shown in the explanation. */
  readonly name: string
  /** Points added when the factor applies, 0-100. */
  readonly weight: number
  /**
   * Points to score when the factor cannot be assessed (missing input, failed provider),
   * instead of making the assessment Indeterminate. Absent: Indeterminate.
   */
  readonly onMissing?: { readonly points: number }
  /** Whether the factor applies. Throw {@link RiskInputMissing} (or any error) when it cannot tell. */
  applies(attributes: AttributeReader): boolean | Promise<boolean>
}

/** A factor that scored points; `missing` says why when it scored its `onMissing` points. */
export interface AppliedRiskFactor {
  readonly name: string
  readonly points: number
  /** Set when the factor could not be assessed and scored its `onMissing` points. */
  readonly failed?: true
  /** Which input was missing or failed (with `failed`). */
  readonly missing?: string
}

/** The risk model's assessment of one decision: the score and the factors that applied. */
export interface RiskAssessment {
  /** Sum of the applied weights, capped. */
  readonly score: number
  /** The applied factors, in declaration order. */
  readonly factors: readonly AppliedRiskFactor[]
}

/** Options of {@link createRiskModel}. */
export interface RiskModelOptions {
  readonly factors: readonly RiskFactor[]
  /** Highest score, 0-100. Default 100. */
  readonly cap?: number
  /** Time allowed to each factor, in ms; a slower factor cannot be assessed. Default 1000. */
  readonly factorTimeoutMs?: number
}

/** A compiled risk model. */
export interface RiskModel {
  readonly cap: number
  readonly factors: readonly RiskFactor[]
  /**
   * Assesses every factor (concurrently) against the attributes. Rejects with a
   * {@link RiskIndeterminateError} (a `ConditionError`) when a factor without `onMissing`
   * cannot be assessed.
   */
  assess(attributes: AttributeReader): Promise<RiskAssessment>
}

/**
 * Thrown by a factor whose input is missing or unusable: the assessment names `input`.
 *
 * @example
 * ```ts
 * const trust = await attributes.get('environment.deviceTrust')
 * if (trust === undefined) throw new RiskInputMissing('environment.deviceTrust', 'is missing')
 * ```
 */
export class RiskInputMissing extends ConditionError {
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(`input ${input} ${reason}`)
  }
}

/** A factor that could not be assessed, and why. */
export interface UnassessedRiskFactor {
  readonly factor: string
  readonly reason: string
  /** The input that was missing or failed, when the factor named it. */
  readonly input?: string
}

/**
 * The risk assessment is Indeterminate: `factors` could not be assessed and declare no
 * `onMissing` points. A `ConditionError`, so the rules reading the score are Indeterminate.
 */
export class RiskIndeterminateError extends ConditionError {
  constructor(readonly factors: readonly UnassessedRiskFactor[]) {
    super(`the risk score is indeterminate: ${factors.map((f) => `factor ${f.factor}: ${f.reason}`).join('; ')}`)
  }
}

const FACTOR_NAME = /^[A-Za-z0-9_.:-]{1,64}$/

function inRange(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= max
}

type Outcome = { readonly kind: 'applied' } | { readonly kind: 'clear' } | { readonly kind: 'unassessed'; readonly reason: string; readonly input?: string }
const APPLIED: Outcome = { kind: 'applied' }
const CLEAR: Outcome = { kind: 'clear' }

function reasonOf(error: unknown): string {
  if (error instanceof RiskInputMissing || isConditionError(error)) return error.message
  if (error instanceof Error) return `it threw (${error.message.slice(0, 200) || error.name})`
  return 'it threw'
}

async function runFactor(factor: RiskFactor, attributes: AttributeReader, timeoutMs: number): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'unassessed', reason: `it did not answer within ${timeoutMs} ms` }), timeoutMs)
    timer.unref()
  })
  const run = (async (): Promise<Outcome> => {
    try {
      const result = await factor.applies(attributes)
      if (result === true) return APPLIED
      return result === false ? CLEAR : { kind: 'unassessed', reason: `it answered ${typeof result}, not a boolean` }
    } catch (error) {
      return error instanceof RiskInputMissing ? { kind: 'unassessed', reason: reasonOf(error), input: error.input } : { kind: 'unassessed', reason: reasonOf(error) }
    }
  })()
  try {
    return await Promise.race([run, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Compiles a risk model: named factors with weights; the score is the sum of the weights of
 * the factors that apply, capped at `cap` (at most 100), and each applied factor is listed
 * with its points for the explanation. Fail-safe: a factor that cannot be assessed (see
 * {@link RiskFactor}) makes the assessment Indeterminate unless it declares `onMissing`
 * points. Throws a configuration error on invalid configuration (duplicate names, weights
 * outside 0-100).
 *
 * @example
 * ```ts
 * const risk = createRiskModel({
 *   factors: [untrustedNetwork({ trustedZones: ['corporate'] }), offHours({ hours: { timeZone: 'Europe/Paris' } })],
 * })
 * const { score, factors } = await risk.assess(attributes) // 60, [{ name: 'untrusted-network', points: 40 }, ...]
 * ```
 */
export function createRiskModel(options: RiskModelOptions): RiskModel {
  if (typeof options !== 'object' || options === null || !Array.isArray(options.factors)) {
    throw configurationError('A risk model needs a factors array')
  }
  const cap = options.cap ?? 100
  if (!inRange(cap, 100)) throw configurationError('risk cap must be a number from 0 to 100')
  const timeoutMs = options.factorTimeoutMs ?? 1000
  if (!inRange(timeoutMs, 60_000) || timeoutMs === 0) throw configurationError('factorTimeoutMs must be a number of ms from 1 to 60000')
  const names = new Set<string>()
  options.factors.forEach((factor: unknown, index) => {
    const f = factor as Partial<RiskFactor> | null
    if (typeof f !== 'object' || f === null) throw configurationError(`Risk factor ${index} must be an object`)
    if (typeof f.name !== 'string' || !FACTOR_NAME.test(f.name)) {
      throw configurationError(`Risk factor ${index}: name must be 1-64 of A-Z a-z 0-9 _ . : -`)
    }
    if (names.has(f.name)) throw configurationError(`Risk factor ${JSON.stringify(f.name)} is declared twice`)
    names.add(f.name)
    if (!inRange(f.weight, 100)) throw configurationError(`Risk factor ${JSON.stringify(f.name)}: weight must be a number from 0 to 100`)
    if (typeof f.applies !== 'function') throw configurationError(`Risk factor ${JSON.stringify(f.name)}: applies must be a function`)
    checkOnMissing(f.onMissing, f.name)
  })
  const factors = Object.freeze([...options.factors])

  return {
    cap,
    factors,
    async assess(attributes) {
      const outcomes = await Promise.all(factors.map((factor) => runFactor(factor, attributes, timeoutMs)))
      const applied: AppliedRiskFactor[] = []
      const unassessed: UnassessedRiskFactor[] = []
      let total = 0
      outcomes.forEach((outcome, i) => {
        if (outcome.kind === 'clear') return
        const { name, weight, onMissing } = factors[i] as RiskFactor
        if (outcome.kind === 'applied') {
          applied.push({ name, points: weight })
          total += weight
        } else if (onMissing !== undefined) {
          applied.push({ name, points: onMissing.points, failed: true, missing: outcome.reason })
          total += onMissing.points
        } else {
          unassessed.push(outcome.input === undefined ? { factor: name, reason: outcome.reason } : { factor: name, reason: outcome.reason, input: outcome.input })
        }
      })
      if (unassessed.length > 0) throw new RiskIndeterminateError(unassessed)
      return { score: Math.min(cap, total), factors: applied }
    },
  }
}

/**
 * Checks a factor's `onMissing` option: absent, or `{ points }` with points from 0 to 100.
 *
 * @example
 * ```ts
 * checkOnMissing({ points: 30 }, 'low-device-trust')
 * ```
 */
export function checkOnMissing(onMissing: unknown, name: string): void {
  if (onMissing === undefined) return
  if (typeof onMissing !== 'object' || onMissing === null || !inRange((onMissing as { points?: unknown }).points, 100) || Object.keys(onMissing).some((k) => k !== 'points')) {
    throw configurationError(`Risk factor ${JSON.stringify(name)}: onMissing must be { points } with points from 0 to 100`)
  }
}
