import { watch, type FSWatcher } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { basename, dirname, resolve } from 'node:path'
import { configurationError, numberOption, optionsObject } from '@portcullis/core'
import { DOCUMENT_LIMITS, loadPolicyDocument } from './document.js'
import type { PolicyEngine } from '../engine.js'
import type { PolicyNode } from '../model/model.js'
import { PolicyValidationError } from './policy-error.js'

/**
 * Reads and loads a JSON policy document from a file (at most 1 MiB).
 *
 * @example
 * ```ts
 * const documents = await loadPolicyFile('./policies/documents.json')
 * const engine = createPolicyEngine(documents)
 * ```
 * @throws PolicyValidationError for an invalid document; the fs error for an unreadable file.
 */
export async function loadPolicyFile(path: string): Promise<PolicyNode> {
  const info = await stat(path)
  if (info.size > DOCUMENT_LIMITS.characters * 4) {
    throw new PolicyValidationError([{ path: '$', reason: `the file is larger than ${DOCUMENT_LIMITS.characters * 4} bytes` }], 'policy document')
  }
  return loadPolicyDocument(await readFile(path, 'utf8'))
}

/**
 * Options of {@link watchPolicyFile}.
 *
 * @example
 * ```ts
 * watchPolicyFile(engine, './documents.json', { debounceMs: 200, onError: (e) => log.error(e), onReload: (p) => log.info(p.id) })
 * ```
 */
export interface WatchPolicyFileOptions {
  /** A reload failed (unreadable file, invalid document): the last good policy stays in force. */
  onError?: (error: unknown) => void
  /** A new policy is in force. */
  onReload?: (policy: PolicyNode) => void
  /** Quiet period after a change before reloading, ms (default 100). */
  debounceMs?: number
}

/**
 * A running policy file watcher.
 *
 * @example
 * ```ts
 * const watcher = watchPolicyFile(engine, './documents.json')
 * await watcher.reload() // true when the new policy is in force
 * watcher.close()
 * ```
 */
export interface PolicyFileWatcher {
  /** Reloads now; resolves true when the new policy is in force, false when it was refused. */
  reload(): Promise<boolean>
  /** Stops watching. */
  close(): void
}

/**
 * Hot reload: watches a policy file (its directory, so editors' rename-and-replace saves are
 * seen) and swaps the engine's policy atomically on each valid change. A bad update keeps the
 * last good policy and is reported to `onError`.
 *
 * @example
 * ```ts
 * const watcher = watchPolicyFile(engine, './policies/documents.json', { onError: (e) => log.error(e) })
 * process.on('SIGTERM', () => watcher.close())
 * ```
 */
export function watchPolicyFile(engine: PolicyEngine, path: string, options: WatchPolicyFileOptions = {}): PolicyFileWatcher {
  if (typeof path !== 'string' || path.length === 0) throw configurationError('watchPolicyFile: path must be a file path')
  const file = resolve(path)
  const name = basename(file)
  optionsObject(options, 'watchPolicyFile:', ['debounceMs', 'onReload', 'onError'])
  const debounce = numberOption(options.debounceMs, 'watchPolicyFile: debounceMs', 100, 'ms', 0, 60_000)
  let timer: NodeJS.Timeout | undefined
  let chain: Promise<boolean> = Promise.resolve(true)

  const reload = (): Promise<boolean> => {
    chain = chain.then(async () => {
      try {
        const policy = await loadPolicyFile(file)
        engine.update(policy)
        options.onReload?.(policy)
        return true
      } catch (error) {
        try {
          options.onError?.(error)
        } catch {
          // A failing error callback must not stop the watcher.
        }
        return false
      }
    })
    return chain
  }

  let watcher: FSWatcher | undefined = watch(dirname(file), { persistent: false }, (_event, changed) => {
    if (changed !== null && changed.toString() !== name) return
    if (timer !== undefined) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = undefined
      void reload()
    }, debounce)
  })
  watcher.on('error', (error) => options.onError?.(error))

  return {
    reload,
    close() {
      if (timer !== undefined) clearTimeout(timer)
      watcher?.close()
      watcher = undefined
    },
  }
}
