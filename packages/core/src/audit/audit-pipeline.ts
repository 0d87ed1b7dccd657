import { configurationError } from '../errors.js'
import type { PortcullisMetrics } from '../observability/metrics.js'
import type { AuditEvent, AuditSink } from './audit-event.js'
import { compileMask, type AuditMaskOptions } from './audit-mask.js'

/**
 * Options of {@link createAuditPipeline}.
 *
 * @example
 * ```ts
 * const options: AuditPipelineOptions = { sinks: [pinoSink(logger)], bufferSize: 1000, sampleRate: 0.1, correlationHeader: 'x-request-id' }
 * ```
 */
export interface AuditPipelineOptions {
  /** Where events go: functions, e.g. `pinoSink(logger)`, `jsonLinesSink(stream)`, `otelLogSink(provider)`. */
  readonly sinks: readonly AuditSink[]
  /** Most events waiting for delivery (default 1000, 1 to 1,000,000). When full, new events are dropped and counted. */
  readonly bufferSize?: number
  /**
   * Share of successful events (`outcome: 'success'`: accepted tokens, permits) kept, from 0
   * to 1 (default 1). Failures and denials are never sampled out.
   */
  readonly sampleRate?: number
  /** Fields masked before any sink sees them (personal data). */
  readonly mask?: AuditMaskOptions
  /**
   * The request header that carries the correlation id (e.g. `x-request-id`). A value that is
   * longer than 128 characters or has characters outside `A-Z a-z 0-9 . _ : @ / + = -` is
   * ignored and a UUID is generated instead. Default: `x-request-id`, `x-correlation-id`,
   * then the `traceparent` trace id.
   */
  readonly correlationHeader?: string
  /** Longest wait, in ms, for a sink's promise before the next event is delivered (default 5000). */
  readonly sinkTimeout?: number
  /** Counts dropped events as `portcullis_audit_events_dropped_total`. */
  readonly metrics?: PortcullisMetrics
  /** Random numbers in [0, 1) for sampling (tests). Default `Math.random`. */
  readonly random?: () => number
}

/**
 * Counters of a pipeline since it was created.
 *
 * @example
 * ```ts
 * const { dropped }: AuditPipelineStats = pipeline.stats()
 * ```
 */
export interface AuditPipelineStats {
  /** Events accepted into the buffer. */
  readonly queued: number
  /** Events handed to every sink. */
  readonly delivered: number
  /** Events dropped because the buffer was full. */
  readonly dropped: number
  /** Successful events left out by sampling. */
  readonly sampledOut: number
  /** Sink calls that threw, rejected or timed out. */
  readonly sinkErrors: number
  /** Events waiting now. */
  readonly pending: number
}

/**
 * A non-blocking audit pipeline: `emit` never waits and never throws. Pass it as the `audit`
 * option of `requireToken()` (or pass the options themselves).
 *
 * @example
 * ```ts
 * const pipeline: AuditPipeline = createAuditPipeline({ sinks: [jsonLinesSink(process.stdout)] })
 * await pipeline.flush() // on shutdown
 * ```
 */
export interface AuditPipeline {
  /** Queues `event` (or drops and counts it when the buffer is full). O(1), synchronous. */
  emit(event: AuditEvent): void
  /**
   * The first half of `emit`, for producers that build events lazily: whether an event with
   * this outcome is kept (sampling, buffer space). A `false` is counted (sampled out or dropped).
   */
  admit(outcome: AuditEvent['outcome']): boolean
  /** The second half of `emit`: queues an event that `admit` let in. */
  enqueue(event: AuditEvent): void
  /** Resolves when every event queued so far was delivered (or given up on). */
  flush(): Promise<void>
  stats(): AuditPipelineStats
  readonly correlationHeader: string | undefined
  /** Tells a pipeline from a plain sink function. */
  readonly kind: 'audit-pipeline'
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/

/** True when `value` is a pipeline made by {@link createAuditPipeline}. */
export function isAuditPipeline(value: unknown): value is AuditPipeline {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'audit-pipeline' && typeof (value as { emit?: unknown }).emit === 'function'
}

function bounded(value: unknown, name: string, fallback: number, min: number, max: number, integer: boolean): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw configurationError(`audit.${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`)
  }
  return value
}

const KNOWN = new Set(['sinks', 'bufferSize', 'sampleRate', 'mask', 'correlationHeader', 'sinkTimeout', 'metrics', 'random'])

/**
 * Creates an audit pipeline: events are queued in a bounded ring buffer and delivered to the
 * sinks asynchronously, in order, after the current request's work (`setImmediate`). A slow
 * sink (one whose promise is pending) holds the queue for at most `sinkTimeout`; when the
 * buffer is full, new events are dropped and counted, so a request never waits for audit and
 * memory stays bounded.
 *
 * @example
 * ```ts
 * import pino from 'pino'
 * import { createAuditPipeline, pinoSink } from '@portcullis/core'
 * const audit = createAuditPipeline({ sinks: [pinoSink(pino())], bufferSize: 1000, sampleRate: 0.1 })
 * app.use(requireToken({ issuer, audience, audit }))
 * ```
 */
export function createAuditPipeline(options: AuditPipelineOptions): AuditPipeline {
  if (typeof options !== 'object' || options === null) throw configurationError('audit must be a function, a pipeline or { sinks, ... }')
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) throw configurationError(`audit.${key} is not an option`)
  const sinks = options.sinks
  if (!Array.isArray(sinks) || sinks.length === 0 || !sinks.every((sink) => typeof sink === 'function')) {
    throw configurationError('audit.sinks must be a non-empty array of functions')
  }
  const size = bounded(options.bufferSize, 'bufferSize', 1000, 1, 1_000_000, true)
  const sampleRate = bounded(options.sampleRate, 'sampleRate', 1, 0, 1, false)
  const sinkTimeout = bounded(options.sinkTimeout, 'sinkTimeout', 5000, 1, 600_000, true)
  const { correlationHeader, metrics } = options
  if (correlationHeader !== undefined && (typeof correlationHeader !== 'string' || !HEADER_NAME.test(correlationHeader))) {
    throw configurationError('audit.correlationHeader must be an HTTP header name')
  }
  const random = options.random ?? Math.random
  if (typeof random !== 'function') throw configurationError('audit.random must be a function')
  const mask = compileMask(options.mask)
  const targets = [...sinks]

  // A ring buffer: no array shifting, no growth past `size`.
  const ring: Array<AuditEvent | undefined> = new Array<AuditEvent | undefined>(size)
  let head = 0
  let count = 0
  let draining = false
  let waiters: Array<() => void> = []
  const stats = { queued: 0, delivered: 0, dropped: 0, sampledOut: 0, sinkErrors: 0 }

  function settle(result: unknown): Promise<void> | undefined {
    if (result === undefined || result === null || typeof (result as Promise<void>).then !== 'function') return undefined
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        stats.sinkErrors++
        resolve()
      }, sinkTimeout)
      timer.unref()
    })
    const done = Promise.resolve(result as Promise<void>).then(
      () => undefined,
      () => {
        stats.sinkErrors++
      },
    )
    return Promise.race([done, timeout]).finally(() => clearTimeout(timer))
  }

  async function drain(): Promise<void> {
    while (count > 0) {
      const event = ring[head] as AuditEvent
      ring[head] = undefined
      head = (head + 1) % size
      count--
      const delivered = mask === undefined ? event : mask(event)
      let pending: Array<Promise<void>> | undefined
      for (const sink of targets) {
        try {
          const wait = settle(sink(delivered))
          if (wait !== undefined) (pending ??= []).push(wait)
        } catch {
          // A failing sink must never affect a request or the other sinks.
          stats.sinkErrors++
        }
      }
      if (pending !== undefined) await Promise.all(pending)
      stats.delivered++
    }
    draining = false
    const done = waiters
    waiters = []
    for (const resolve of done) resolve()
  }

  function admit(outcome: AuditEvent['outcome']): boolean {
    if (sampleRate < 1 && outcome === 'success' && random() >= sampleRate) {
      stats.sampledOut++
      return false
    }
    if (count >= size) {
      stats.dropped++
      metrics?.recordAuditDropped()
      return false
    }
    return true
  }

  function enqueue(event: AuditEvent): void {
    // Checked again: an event built after admit() may meet a buffer filled in between.
    if (count >= size) {
      stats.dropped++
      metrics?.recordAuditDropped()
      return
    }
    ring[(head + count) % size] = event
    count++
    stats.queued++
    schedule()
  }

  function schedule(): void {
    if (draining) return
    draining = true
    setImmediate(() => void drain())
  }

  return {
    kind: 'audit-pipeline',
    correlationHeader: correlationHeader?.toLowerCase(),
    emit(event) {
      if (admit(event.outcome)) enqueue(event)
    },
    admit,
    enqueue,
    flush() {
      if (!draining && count === 0) return Promise.resolve()
      return new Promise<void>((resolve) => waiters.push(resolve))
    },
    stats() {
      return { ...stats, pending: count }
    },
  }
}
