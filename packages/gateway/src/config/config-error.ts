/** One problem of a configuration file: where it is and what is wrong. */
export interface ConfigIssue {
  /** The field, as a path from the document root (`rules[2].scopes`). */
  readonly field: string
  /** 1-based line of the field in the file, when known. */
  readonly line: number | undefined
  readonly message: string
}

/**
 * A configuration file that cannot be used. Its message names the file, and the line and the
 * field of every problem (`gateway.yaml:14: rules[1].path: ...`), so an operator can fix it
 * without reading code.
 *
 * @example
 * ```ts
 * try { await loadGatewayConfig('gateway.yaml') } catch (e) { if (isGatewayConfigError(e)) console.error(e.message) }
 * ```
 */
export class GatewayConfigError extends Error {
  readonly file: string
  readonly issues: readonly ConfigIssue[]

  constructor(file: string, issues: readonly ConfigIssue[]) {
    const lines = issues.map((issue) => `${file}${issue.line === undefined ? '' : `:${issue.line}`}: ${issue.field === '' ? '' : `${issue.field}: `}${issue.message}`)
    super(`invalid gateway configuration\n${lines.join('\n')}`)
    this.name = 'GatewayConfigError'
    this.file = file
    this.issues = issues
  }
}

/**
 * True when `value` is a {@link GatewayConfigError}.
 *
 * @example
 * ```ts
 * gateway.reload().catch((e) => isGatewayConfigError(e) && console.error(e.issues))
 * ```
 */
export function isGatewayConfigError(value: unknown): value is GatewayConfigError {
  return value instanceof GatewayConfigError || (typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'GatewayConfigError')
}

/** A path from the document root, as the YAML library addresses nodes. */
export type FieldPath = readonly (string | number)[]

/** Formats a field path the way users write it: `rules[2].policy.file`. */
export function fieldName(path: FieldPath): string {
  let out = ''
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`
  return out
}
