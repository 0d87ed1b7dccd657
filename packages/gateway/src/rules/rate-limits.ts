/**
 * A rule's rate limit: the top-level default or the rule's own `rateLimit`, compiled into the
 * core's rate-limit requirement. Each rule counts separately (its own in-memory store), and a
 * reload keeps the counters of a rule whose name and limit did not change.
 */
import { createRateLimitRequirement, type PortcullisMetrics, type RateLimitOptions, type RateLimitRequirement } from '@portcullis/core'
import type { FieldPath } from '../config/config-error.js'
import type { GatewayRateLimitConfig } from '../config/config.js'

/** A compiled limit and what identifies it across reloads. */
export interface CompiledRateLimit {
  readonly key: string
  readonly requirement: RateLimitRequirement
}

/** Thrown with the field the core refused (`rateLimit.tiers[1].points`), relative to the rule. */
export class RateLimitFieldError extends Error {
  constructor(readonly path: FieldPath, message: string) {
    super(message)
  }
}

/** `rateLimit.tiers[1].points` (from a core message) as a field path under `base`. */
function fieldOf(message: string, base: FieldPath): FieldPath {
  const match = /^(?:Portcullis: )?rateLimit((?:\.[A-Za-z]+|\[\d+\])*)/.exec(message)
  if (match === null) return base
  const parts: (string | number)[] = []
  for (const [, name, index] of (match[1] as string).matchAll(/\.([A-Za-z]+)|\[(\d+)\]/g)) parts.push(name ?? Number(index))
  return [...base, ...parts]
}

/**
 * The limit of one rule, or `undefined` when it has none. `previous` holds the limits of the
 * configuration in force, by key: an unchanged one is reused with its counters.
 */
export function compileRuleRateLimit(
  ruleName: string,
  own: GatewayRateLimitConfig | false | undefined,
  fallback: GatewayRateLimitConfig | undefined,
  base: FieldPath,
  context: { readonly trustedProxies: readonly string[]; readonly clock?: (() => number) | undefined; readonly metrics?: PortcullisMetrics | undefined; readonly previous?: ReadonlyMap<string, CompiledRateLimit> | undefined },
): CompiledRateLimit | undefined {
  if (own === false) return undefined
  const spec = own ?? fallback
  if (spec === undefined) return undefined
  const at = own === undefined ? ['rateLimit'] : base
  const key = JSON.stringify([ruleName, spec, context.trustedProxies, context.metrics !== undefined])
  const reused = context.previous?.get(key)
  if (reused !== undefined) return reused
  const metrics = context.metrics
  try {
    const requirement = createRateLimitRequirement({
      ...(spec as RateLimitOptions),
      // The client address of `ip` keys: the X-Forwarded-For the trusted proxy set.
      trustedProxies: context.trustedProxies,
      ...(context.clock === undefined ? {} : { clock: context.clock }),
      ...(metrics === undefined ? {} : { onRejected: () => metrics.recordRateLimited() }),
    })
    return { key, requirement }
  } catch (error) {
    const message = ((error as Error)?.message ?? String(error)).replace(/^Portcullis: /, '')
    throw new RateLimitFieldError(fieldOf(message, at), message)
  }
}
