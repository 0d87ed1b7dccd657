import { configurationError } from '../errors.js'
import type { AuditSink } from './audit-event.js'
import { createAuditPipeline, isAuditPipeline, type AuditPipeline, type AuditPipelineOptions } from './audit-pipeline.js'

/**
 * The `audit` option of `requireToken()`: a sink function (called synchronously with each
 * event), a pipeline from `createAuditPipeline()`, or the options of a new pipeline.
 *
 * @example
 * ```ts
 * const audit: AuditOption = { sinks: [pinoSink(logger)], correlationHeader: 'x-request-id', mask: { fields: ['source_ip'] } }
 * ```
 */
export type AuditOption = AuditSink | AuditPipeline | AuditPipelineOptions

/** Validates the `audit` option: what the auditor sends events to, or undefined. */
export function compileAudit(value: unknown): AuditSink | AuditPipeline | undefined {
  if (value === undefined || typeof value === 'function') return value as AuditSink | undefined
  if (isAuditPipeline(value)) return value
  if (typeof value !== 'object' || value === null) throw configurationError('audit must be a function, a pipeline or { sinks, ... }')
  return createAuditPipeline(value as AuditPipelineOptions)
}
