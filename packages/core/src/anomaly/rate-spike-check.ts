import { integerOption, numberOption } from '../internal/option-checks.js'
import { scaledScore, type AnomalyCheck, type AnomalyObservation } from './anomaly-signal.js'
import { checkOptions, scoreOption } from './check-options.js'

/** Options of {@link rateSpikeCheck}. */
export interface RateSpikeCheckOptions {
  /** Score at `factor`, 0-100; it rises on a log scale to 100 at ten times `factor`. Default 50. */
  readonly score?: number
  /** How many times its baseline the current rate must be (1.5 to 1000). Default 10. */
  readonly factor?: number
  /** Requests a key must have made before it can spike (1 to 100000). Default 20. */
  readonly warmup?: number
  /** Requests per minute below which nothing is a spike, whatever the baseline (0.01 to 10^6). Default 30. */
  readonly minimumRate?: number
  /** Time constant of the current rate, in seconds (1 to 86400). Default 60. */
  readonly window?: number
  /** Time constant of the baseline, in seconds (more than `window`, at most 30 days). Default 3600. */
  readonly baseline?: number
}

/** A key's request rates: two exponentially decayed counts (current and baseline). */
interface RateState {
  first: number
  last: number
  count: number
  /** Decayed count with the `window` time constant. */
  current: number
  /** Decayed count with the `baseline` time constant. */
  baseline: number
  /** In a spike already: raised once, then not again until the rate falls back. */
  spiking: boolean
}

// Rates are estimated over at least this much history, so that a key's first requests (a
// few milliseconds apart) do not divide by almost nothing.
const MIN_AGE_MS = 1000

/**
 * `rate_spike`: a key's current request rate is `factor` times its own baseline. Both rates are
 * exponentially weighted counts with time decay (time constants `window` and `baseline`), each
 * divided by the history it covers (τ(1 − e^(−age/τ))), so a young key's baseline is its
 * average so far and a steady key never spikes against itself. Raised once when the rate
 * crosses `factor` (and `minimumRate`, after `warmup` requests), again only after it fell
 * under half of that. The detail holds `rate_per_min` and `baseline_per_min`. Constant state
 * per key: six numbers.
 *
 * @example
 * ```ts
 * import { createAnomalyDetector, rateSpikeCheck } from '@portcullis/core'
 * createAnomalyDetector({ key: 'subject', checks: [rateSpikeCheck({ factor: 20, minimumRate: 60 })] })
 * ```
 */
export function rateSpikeCheck(options?: RateSpikeCheckOptions): AnomalyCheck {
  const given = checkOptions(options, 'rateSpikeCheck', ['factor', 'warmup', 'minimumRate', 'window', 'baseline'])
  const base = scoreOption(given.score, 'rateSpikeCheck', 50)
  const factor = numberOption(given.factor, 'rateSpikeCheck.factor', 10, 'times', 1.5, 1000)
  const warmup = integerOption(given.warmup, 'rateSpikeCheck.warmup', 20, 1, 100_000)
  const minimumPerMs = numberOption(given.minimumRate, 'rateSpikeCheck.minimumRate', 30, 'requests per minute', 0.01, 1_000_000) / 60_000
  const windowMs = numberOption(given.window, 'rateSpikeCheck.window', 60, 'seconds', 1, 86_400) * 1000
  const baselineMs = numberOption(given.baseline, 'rateSpikeCheck.baseline', 3600, 'seconds', windowMs / 1000 + 1, 30 * 86_400) * 1000
  return Object.freeze({
    kind: 'rate_spike',
    start: (o: AnomalyObservation): RateState => ({ first: o.time, last: o.time, count: 1, current: 1, baseline: 1, spiking: false }),
    check(o: AnomalyObservation, s: RateState) {
      // A clock that steps back counts as no time passing.
      const dt = Math.max(0, o.time - s.last)
      s.current = s.current * Math.exp(-dt / windowMs) + 1
      s.baseline = s.baseline * Math.exp(-dt / baselineMs) + 1
      s.last = Math.max(s.last, o.time)
      s.count++
      const age = Math.max(MIN_AGE_MS, s.last - s.first)
      const rate = s.current / (windowMs * -Math.expm1(-age / windowMs))
      const usual = s.baseline / (baselineMs * -Math.expm1(-age / baselineMs))
      const ratio = rate / usual
      if (s.spiking) {
        if (ratio < factor / 2 || rate < minimumPerMs / 2) s.spiking = false
        return undefined
      }
      if (s.count < warmup || rate < minimumPerMs || ratio < factor) return undefined
      s.spiking = true
      return {
        score: scaledScore(base, ratio / factor),
        detail: { rate_per_min: Math.round(rate * 60_000 * 10) / 10, baseline_per_min: Math.round(usual * 60_000 * 100) / 100 },
      }
    },
  })
}
