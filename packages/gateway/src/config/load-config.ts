import { readFile, stat } from 'node:fs/promises'
import { LineCounter, parseDocument, type Document } from 'yaml'
import { GatewayConfigError, fieldName, type ConfigIssue, type FieldPath } from './config-error.js'
import type { GatewayConfig } from './config.js'
import { validateConfig, type PathIssue } from './validate.js'

/** Largest configuration file read, in bytes. */
export const MAX_CONFIG_BYTES = 1024 * 1024

/** A parsed document that can say on which line a field is. */
export interface LocatedConfig {
  readonly file: string
  readonly config: GatewayConfig
  /** Line of `path` (or of its nearest parent present in the file). */
  lineOf(path: FieldPath): number | undefined
  /** Builds the error of `issues` with file and lines. */
  error(issues: readonly PathIssue[]): GatewayConfigError
}

function locator(doc: Document, counter: LineCounter): (path: FieldPath) => number | undefined {
  return (path) => {
    for (let end = path.length; end >= 0; end--) {
      const node = doc.getIn(path.slice(0, end), true) as { range?: [number, number, number] } | undefined
      if (node !== undefined && node !== null && Array.isArray(node.range)) return counter.linePos(node.range[0]).line
    }
    return undefined
  }
}

/**
 * Parses and validates a configuration text (YAML 1.2, of which JSON is a subset). Throws a
 * {@link GatewayConfigError} naming `file`, the line and the field of each problem.
 *
 * @example
 * ```ts
 * const located = parseGatewayConfig(text, 'gateway.yaml')
 * ```
 */
export function parseGatewayConfig(text: string, file: string): LocatedConfig {
  const counter = new LineCounter()
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: true, strict: true })
  if (doc.errors.length > 0) {
    const issues: ConfigIssue[] = doc.errors.slice(0, 20).map((e) => ({ field: '', line: e.linePos?.[0].line, message: (e.message.split('\n')[0] ?? 'syntax error').replace(/ at line \d+, column \d+:?$/, '') }))
    throw new GatewayConfigError(file, issues)
  }
  let value: unknown
  try {
    // Aliases are expanded: bound them, or a few lines could expand to gigabytes.
    value = doc.toJS({ maxAliasCount: 100 })
  } catch (error) {
    throw new GatewayConfigError(file, [{ field: '', line: undefined, message: (error as Error).message }])
  }
  const lineOf = locator(doc, counter)
  const toError = (issues: readonly PathIssue[]): GatewayConfigError =>
    new GatewayConfigError(file, issues.map((i) => ({ field: fieldName(i.path), line: lineOf(i.path), message: i.message })))
  const { config, issues } = validateConfig(value)
  if (config === undefined) throw toError(issues)
  return { file, config, lineOf, error: toError }
}

/**
 * Reads and validates a configuration file (at most 1 MiB).
 *
 * @example
 * ```ts
 * const { config } = await readGatewayConfig('/etc/portcullis/gateway.yaml')
 * ```
 */
export async function readGatewayConfig(file: string): Promise<LocatedConfig> {
  let text: string
  try {
    const info = await stat(file)
    if (info.size > MAX_CONFIG_BYTES) throw new Error(`the file is larger than ${MAX_CONFIG_BYTES} bytes`)
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new GatewayConfigError(file, [{ field: '', line: undefined, message: `cannot be read: ${(error as Error).message}` }])
  }
  return parseGatewayConfig(text, file)
}
