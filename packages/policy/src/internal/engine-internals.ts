import type { Observability } from '@portcullis/core'
import type { ObligationHandler } from '../obligations/obligation-handlers.js'

/** What the policy requirement (the PEP) needs of an engine beyond its public surface. */
export interface EngineInternals {
  /** The engine's obligation handlers, built-ins included, by name. */
  readonly obligationHandlers: ReadonlyMap<string, ObligationHandler>
  /** The engine's clock (ms), for the obligations' `now`. */
  readonly clock: () => number
  /** The engine's own metrics and tracer (they override the request's). */
  readonly observability?: Observability
}

// A registered symbol, not exported by the package: it keeps these members out of the public
// `PolicyEngine` type, while an engine made by one installed copy of @portcullis/policy still
// works with the requirement of another (as a decorator's metadata does across core copies).
const INTERNALS = Symbol.for('portcullis.policy.engine-internals')

/** Attaches `internals` to `engine` as a hidden (non-enumerable, read-only) member. */
export function attachEngineInternals<E extends object>(engine: E, internals: EngineInternals): E {
  Object.defineProperty(engine, INTERNALS, { value: Object.freeze({ ...internals }) })
  return engine
}

/** The internals of an engine made by `createPolicyEngine`, or undefined for anything else. */
export function engineInternals(engine: unknown): EngineInternals | undefined {
  if (typeof engine !== 'object' || engine === null) return undefined
  const internals = (engine as Record<symbol, unknown>)[INTERNALS] as Partial<EngineInternals> | undefined
  return typeof internals === 'object' && internals !== null && internals.obligationHandlers instanceof Map && typeof internals.clock === 'function'
    ? (internals as EngineInternals)
    : undefined
}
