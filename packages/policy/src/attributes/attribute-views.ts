import type { EvaluationScope } from './decision-state.js'

// Shared proxy handlers: one Proxy per decision and category, no closure per read.
interface Holder {
  scope: EvaluationScope
}

const subjectHandler: ProxyHandler<Holder> = {
  get(holder, key) {
    if (typeof key !== 'string') return undefined
    const value = holder.scope.subjectAttribute(key)
    holder.scope.record(`subject.${key}`, value)
    return value
  },
}

const environmentHandler: ProxyHandler<Holder> = {
  get(holder, key) {
    if (typeof key !== 'string') return undefined
    const value = holder.scope.environmentAttribute(key)
    holder.scope.record(`environment.${key}`, value)
    return value
  },
}

/**
 * The attributes object a TypeScript condition receives (typed as `PolicyAttributes`). Reads
 * are recorded for the explanation; provider values are fetched on first read.
 */
export class AttributeView {
  private subjectProxy: object | undefined
  private environmentProxy: object | undefined

  constructor(private readonly scope: EvaluationScope) {}

  get action(): string {
    return this.scope.action
  }

  get subject(): object | undefined {
    if (this.scope.identity === undefined) return undefined
    return (this.subjectProxy ??= new Proxy({ scope: this.scope }, subjectHandler))
  }

  get resource(): unknown {
    const value = this.scope.resource()
    this.scope.record('resource', value)
    return value
  }

  get environment(): object {
    return (this.environmentProxy ??= new Proxy({ scope: this.scope }, environmentHandler))
  }
}

/**
 * Creates the view of a scope.
 *
 * @example
 * ```ts
 * const view = makeView(scope)
 * ```
 */
export function makeView(scope: EvaluationScope): object {
  return new AttributeView(scope)
}
