/**
 * One problem found in a policy: where (a JSON path such as `$.rules[2].when.all[0].op`) and why.
 *
 * @example
 * ```ts
 * for (const issue of error.issues) console.error(`${issue.path}: ${issue.reason}`)
 * ```
 */
export interface PolicyIssue {
  readonly path: string
  readonly reason: string
}

/**
 * A policy (document or builder output) was refused. `issues` lists every problem found, each
 * with its JSON path; the message shows the first ten. Match on `code`, not `instanceof`.
 *
 * @example
 * ```ts
 * try {
 *   loadPolicyDocument(json)
 * } catch (error) {
 *   if (isPolicyValidationError(error)) for (const issue of error.issues) console.error(issue.path, issue.reason)
 * }
 * ```
 */
export class PolicyValidationError extends Error {
  readonly code = 'invalid_policy' as const
  override readonly name = 'PolicyValidationError'
  readonly issues: readonly PolicyIssue[]

  constructor(issues: readonly PolicyIssue[], what = 'policy') {
    const shown = issues.slice(0, 10).map((i) => `${i.path}: ${i.reason}`)
    const more = issues.length > 10 ? `; and ${issues.length - 10} more` : ''
    super(`Invalid ${what} (${issues.length} issue${issues.length === 1 ? '' : 's'}): ${shown.join('; ')}${more}`)
    this.issues = Object.freeze([...issues])
  }
}

/**
 * True for a {@link PolicyValidationError} from any copy of the package.
 *
 * @example
 * ```ts
 * if (isPolicyValidationError(error)) report(error.issues)
 * ```
 */
export function isPolicyValidationError(error: unknown): error is PolicyValidationError {
  return error instanceof Error && (error as { code?: unknown }).code === 'invalid_policy' && Array.isArray((error as { issues?: unknown }).issues)
}
