import { isThenable, SATISFIED, type Enforcement, type Requirement, type RequirementInput } from './requirement.js'

function withHeaders(headers: Record<string, string> | undefined, enforcement: Enforcement): Record<string, string> | undefined {
  const extra = enforcement.responseHeaders
  if (extra === undefined) return headers
  for (const _name in extra) return { ...headers, ...extra }
  return headers
}

async function finish<In>(
  pending: PromiseLike<Enforcement>,
  requirements: readonly Requirement<In>[],
  next: number,
  input: RequirementInput<In>,
  collected: Record<string, string> | undefined,
): Promise<Enforcement> {
  let headers = withHeaders(collected, await pending)
  for (let i = next; i < requirements.length; i++) headers = withHeaders(headers, await (requirements[i] as Requirement<In>).enforce(input))
  return headers === undefined ? SATISFIED : { responseHeaders: headers }
}

/**
 * Enforces `requirements` in order, as one requirement: the first that refuses throws (or
 * rejects with) its `PortcullisError` and the rest do not run. The response headers of all are
 * merged, a later one winning. Stays synchronous until a requirement answers with a promise, so
 * a list of scope checks costs no promise hop. The decorators' wrappers enforce the
 * requirements recorded on a method through it.
 *
 * @example
 * ```ts
 * import { createScopeRequirement, enforceRequirements } from '@portcullis/core'
 * const result = enforceRequirements([createScopeRequirement('a'), createScopeRequirement('b')], { request, identity, context, input: req })
 * ```
 */
export function enforceRequirements<In>(requirements: readonly Requirement<In>[], input: RequirementInput<In>): Enforcement | Promise<Enforcement> {
  let headers: Record<string, string> | undefined
  for (let i = 0; i < requirements.length; i++) {
    const result = (requirements[i] as Requirement<In>).enforce(input)
    if (isThenable(result)) return finish(result, requirements, i + 1, input, headers)
    headers = withHeaders(headers, result)
  }
  return headers === undefined ? SATISFIED : { responseHeaders: headers }
}
