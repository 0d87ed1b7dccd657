import type { EvaluationScope } from './decision-state.js'
import { ConditionError } from '../operators/condition-error.js'

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

  /** Reads a path; a missing value makes the rule Indeterminate (see `PolicyAttributes.require`). */
  require(path: string): unknown {
    const parsed = this.scope.runtime.parsePath(path)
    if (typeof parsed === 'string') throw new ConditionError(`${String(path).slice(0, 64)}: ${parsed}`)
    const value = this.scope.read(parsed)
    if (value === undefined || value === null) {
      this.scope.noteMissing(parsed.text)
      throw new ConditionError(`attribute ${parsed.text} is missing`)
    }
    return value
  }
}

/**
 * Returns `value`, or makes the rule Indeterminate when it is absent (undefined or null): the
 * typed counterpart of `a.require(path)`. `name` appears in the explanation.
 *
 * @example
 * ```ts
 * permit<DocAttributes>('same-department', {
 *   when: (a) => required(a.subject.claims.department, 'subject.claims.department') === required(a.resource.department, 'resource.department'),
 * })
 * ```
 */
export function required<T>(value: T, name?: string): NonNullable<T> {
  if (value === undefined || value === null) throw new ConditionError(`${name === undefined ? 'a required attribute' : `attribute ${String(name).slice(0, 64)}`} is missing`)
  return value as NonNullable<T>
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
