import { configurationError } from '../errors.js'
import type { JwksFetchEvent } from '../jwks/remote-key-set.js'
import type { PortcullisMetrics } from './metrics.js'
import { isTracer, type TracerLike } from './tracing.js'

/** The metrics and tracer of one authenticator, validated. */
export interface Observability {
  readonly metrics: PortcullisMetrics | undefined
  readonly tracer: TracerLike | undefined
}

/** Validates the `metrics` and `tracer` options of `requireToken()` / `createPolicyEngine()`. */
export function compileObservability(options: { metrics?: unknown; tracer?: unknown }, where = ''): Observability {
  const { metrics, tracer } = options
  if (metrics !== undefined && (typeof metrics !== 'object' || metrics === null || typeof (metrics as PortcullisMetrics).recordVerification !== 'function')) {
    throw configurationError(`${where}metrics must be the object createMetrics() returns`)
  }
  if (tracer !== undefined && !isTracer(tracer)) throw configurationError(`${where}tracer must be an OpenTelemetry Tracer (trace.getTracer(...))`)
  return { metrics: metrics as PortcullisMetrics | undefined, tracer: tracer as TracerLike | undefined }
}

/** The JWKS `onFetch` hook: the user's, plus the fetch counter when metrics are on. */
export function jwksFetchHook(
  user: ((event: JwksFetchEvent) => void) | undefined,
  metrics: PortcullisMetrics | undefined,
): { onFetch?: (event: JwksFetchEvent) => void } {
  if (metrics === undefined) return user === undefined ? {} : { onFetch: user }
  return {
    onFetch(event) {
      metrics.recordJwksFetch(event.outcome === 'ok' ? 'success' : 'failure', event.trigger)
      user?.(event)
    },
  }
}
