import type { AuditEvent, AuditSink } from '../audit-event.js'

/**
 * The part of a pino logger (or any logger with the same shape) that `pinoSink` uses.
 *
 * @example
 * ```ts
 * const logger: PinoLike = pino()
 * ```
 */
export interface PinoLike {
  info(object: object, message?: string): void
  warn(object: object, message?: string): void
  error(object: object, message?: string): void
}

/**
 * An audit sink that writes each event through a pino logger: INFO as `info`, WARN as `warn`,
 * CRITICAL as `error`. The event's fields are the log record's; its OWASP level is
 * `audit_level` (pino owns `level`) and the message is the event name.
 *
 * @example
 * ```ts
 * import pino from 'pino'
 * import { createAuditPipeline, pinoSink } from '@portcullis/core'
 * const audit = createAuditPipeline({ sinks: [pinoSink(pino({ name: 'audit' }))] })
 * ```
 */
export function pinoSink(logger: PinoLike): AuditSink {
  if (typeof logger !== 'object' || logger === null || typeof logger.info !== 'function' || typeof logger.warn !== 'function' || typeof logger.error !== 'function') {
    throw new TypeError('pinoSink needs a pino logger (info, warn and error methods)')
  }
  return function portcullisPinoSink(event: AuditEvent): void {
    const { level, ...fields } = event
    const record = { ...fields, audit_level: level }
    if (level === 'INFO') logger.info(record, event.event)
    else if (level === 'WARN') logger.warn(record, event.event)
    else logger.error(record, event.event)
  }
}
