import type { CompiledNode } from './evaluate.js'

const MAX_KEYS = 4096

/**
 * Candidate children of a node by action and (static) resource type: children whose target
 * cannot match are left out, order kept. A left-out child is NotApplicable under every
 * algorithm, so the result is unchanged; only candidates are evaluated.
 *
 * @example
 * ```ts
 * const index = new CandidateIndex(children)
 * index.candidates('read\u0000document', 'read', 'document')
 * ```
 */
export class CandidateIndex {
  private readonly cache = new Map<string, readonly CompiledNode[]>()

  constructor(private readonly children: readonly CompiledNode[]) {}

  /**
   * The children that can match `action` and `resourceType` (undefined: decided at evaluation).
   * `key` identifies the pair (computed once per decision).
   */
  candidates(key: string, action: string, resourceType: string | undefined): readonly CompiledNode[] {
    const cached = this.cache.get(key)
    if (cached !== undefined) return cached
    const list = this.children.filter((child) => {
      const target = child.target
      if (target === undefined) return true
      if (target.actions !== undefined && !target.actions.has(action) && !target.actions.has('*')) return false
      if (resourceType !== undefined && target.resourceTypes !== undefined && !target.resourceTypes.has(resourceType)) return false
      return true
    })
    if (this.cache.size < MAX_KEYS) this.cache.set(key, list)
    return list
  }
}
