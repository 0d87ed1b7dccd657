/** Read access to the decision's attributes by path (`environment.zone`, `resource.classification`). */
export interface AttributeReader {
  get(path: string): Promise<unknown>
}

/** A named contribution to the risk score. */
export interface RiskFactor {
  /** Unique name, shown in the explanation. */
  readonly name: string
  /** Points added when the factor applies, 0-100. */
  readonly weight: number
  /** Whether the factor applies. Throwing, rejecting or answering a non-boolean counts as applying. */
  applies(attributes: AttributeReader): boolean | Promise<boolean>
}

/** A factor that applied, with its points; `failed` when it applied because it could not be assessed. */
export interface AppliedRiskFactor {
  readonly name: string
  readonly points: number
  readonly failed?: true
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
  /** Time allowed to each factor, in ms; a slower factor counts as applied. Default 1000. */
  readonly factorTimeoutMs?: number
}

/** A compiled risk model. */
export interface RiskModel {
  readonly cap: number
  readonly factors: readonly RiskFactor[]
  /** Assesses every factor (concurrently) against the attributes. Never rejects. */
  assess(attributes: AttributeReader): Promise<RiskAssessment>
}

const FACTOR_NAME = /^[A-Za-z0-9_.:-]{1,64}$/

function inRange(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= max
}

type Outcome = 'applied' | 'clear' | 'failed'

async function runFactor(factor: RiskFactor, attributes: AttributeReader, timeoutMs: number): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve('failed'), timeoutMs)
    timer.unref()
  })
  const run = (async (): Promise<Outcome> => {
    try {
      const result = await factor.applies(attributes)
      if (result === true) return 'applied'
      return result === false ? 'clear' : 'failed'
    } catch {
      return 'failed'
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
 * with its points for the explanation. Fail-safe: a factor that throws, rejects, answers
 * something other than a boolean or exceeds `factorTimeoutMs` counts as applied and is
 * marked `failed`, so an outage raises the risk instead of hiding it. Throws a `TypeError`
 * on invalid configuration (duplicate names, weights outside 0-100).
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
    throw new TypeError('A risk model needs a factors array')
  }
  const cap = options.cap ?? 100
  if (!inRange(cap, 100)) throw new TypeError('risk cap must be a number from 0 to 100')
  const timeoutMs = options.factorTimeoutMs ?? 1000
  if (!inRange(timeoutMs, 60_000) || timeoutMs === 0) throw new TypeError('factorTimeoutMs must be a number of ms from 1 to 60000')
  const names = new Set<string>()
  options.factors.forEach((factor: unknown, index) => {
    const f = factor as Partial<RiskFactor> | null
    if (typeof f !== 'object' || f === null) throw new TypeError(`Risk factor ${index} must be an object`)
    if (typeof f.name !== 'string' || !FACTOR_NAME.test(f.name)) {
      throw new TypeError(`Risk factor ${index}: name must be 1-64 of A-Z a-z 0-9 _ . : -`)
    }
    if (names.has(f.name)) throw new TypeError(`Risk factor ${JSON.stringify(f.name)} is declared twice`)
    names.add(f.name)
    if (!inRange(f.weight, 100)) throw new TypeError(`Risk factor ${JSON.stringify(f.name)}: weight must be a number from 0 to 100`)
    if (typeof f.applies !== 'function') throw new TypeError(`Risk factor ${JSON.stringify(f.name)}: applies must be a function`)
  })
  const factors = Object.freeze([...options.factors])

  return {
    cap,
    factors,
    async assess(attributes) {
      const outcomes = await Promise.all(factors.map((factor) => runFactor(factor, attributes, timeoutMs)))
      const applied: AppliedRiskFactor[] = []
      let total = 0
      outcomes.forEach((outcome, i) => {
        if (outcome === 'clear') return
        const { name, weight } = factors[i] as RiskFactor
        applied.push(outcome === 'failed' ? { name, points: weight, failed: true } : { name, points: weight })
        total += weight
      })
      return { score: Math.min(cap, total), factors: applied }
    },
  }
}
