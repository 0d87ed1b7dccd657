import { configurationError } from '@portcullis/core'
import type { FailOpenEvent, RedisStoreOptions } from '../options.js'
import { checkPrefix } from './keys.js'

/** The validated common options. */
export interface CommonSettings {
  readonly prefix: string
  readonly commandTimeout: number
  readonly failOpen: boolean
  readonly onFailOpen: (event: FailOpenEvent) => void
}

export function positiveInteger(value: unknown, name: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw configurationError(`${name} must be an integer from 1 to ${max}`)
  }
  return value
}

/** Validates the options every store shares, once, at creation. */
export function commonSettings(options: RedisStoreOptions): CommonSettings {
  if (typeof options !== 'object' || options === null) throw configurationError('Options are required: { client } or { url }')
  const onFailOpen = options.onFailOpen ?? (() => undefined)
  if (typeof onFailOpen !== 'function') throw configurationError('onFailOpen must be a function')
  if (options.failOpen !== undefined && typeof options.failOpen !== 'boolean') throw configurationError('failOpen must be a boolean')
  return {
    prefix: checkPrefix(options.prefix ?? 'portcullis'),
    commandTimeout: positiveInteger(options.commandTimeout ?? 250, 'commandTimeout', 60_000),
    failOpen: options.failOpen ?? false,
    onFailOpen,
  }
}

/**
 * The outage policy of one check: rethrow (fail closed, core answers 503), or report and let
 * the request through. A throwing `onFailOpen` must not turn an allowed request into a 500.
 */
export function failOpenOr<T>(settings: CommonSettings, store: FailOpenEvent['store'], error: unknown, open: T): T {
  const failure = error instanceof Error ? error : new Error(String(error))
  if (!settings.failOpen) throw failure
  try {
    settings.onFailOpen({ store, error: failure })
  } catch {
    // The callback is for reporting; its failure changes nothing.
  }
  return open
}
