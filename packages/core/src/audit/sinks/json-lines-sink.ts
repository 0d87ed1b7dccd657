import type { AuditEvent, AuditSink } from '../audit-event.js'

/**
 * The part of a Node.js writable stream that `jsonLinesSink` uses.
 *
 * @example
 * ```ts
 * const out: WritableLike = process.stdout
 * ```
 */
export interface WritableLike {
  write(chunk: string): boolean
  once(event: 'drain', listener: () => void): unknown
}

/**
 * An audit sink that writes each event as one line of JSON (JSON Lines) to a writable stream.
 * It honours back-pressure: when the stream's buffer is full, the returned promise waits for
 * `drain`, so an audit pipeline holds (and, when its buffer is full, drops and counts) events
 * instead of growing the stream's memory.
 *
 * @example
 * ```ts
 * import { createWriteStream } from 'node:fs'
 * import { createAuditPipeline, jsonLinesSink } from '@portcullis/core'
 * const audit = createAuditPipeline({ sinks: [jsonLinesSink(createWriteStream('audit.jsonl', { flags: 'a' }))] })
 * ```
 */
export function jsonLinesSink(stream: WritableLike): AuditSink {
  if (typeof stream !== 'object' || stream === null || typeof stream.write !== 'function' || typeof stream.once !== 'function') {
    throw new TypeError('jsonLinesSink needs a writable stream')
  }
  return function portcullisJsonLinesSink(event: AuditEvent): void | Promise<void> {
    // JSON.stringify escapes CR and LF inside strings: one event is always one line.
    if (stream.write(`${JSON.stringify(event)}\n`)) return undefined
    return new Promise<void>((resolve) => stream.once('drain', resolve))
  }
}
