import { configurationError } from '../errors.js'
import { enforceRequirements } from './enforce-requirements.js'
import type { Requirement } from './requirement.js'
// Decorated classes need Symbol.metadata (Node 20 lacks it): installed by this import.
import './symbol-metadata.js'

// A registered symbol: two installed copies of the core read the same metadata.
const REQUIREMENTS = Symbol.for('portcullis.route-requirements')
// Wrappers built by an adapter, with the adapter's name (stacking two adapters is a mistake).
// Kept on globalThis under a registered symbol, like the metadata: the ESM and CommonJS builds
// (or two installed copies) loaded in one process must see each other's wrappers.
const wrappers = ((globalThis as Record<symbol, unknown>)[Symbol.for('portcullis.route-wrappers.v1')] ??= new WeakMap<object, string>()) as WeakMap<object, string>

type Table = Map<string | symbol, Requirement[]>

function ownTable(metadata: DecoratorMetadataObject): Table {
  // Metadata objects inherit from the superclass's: copy on first write so a subclass never
  // changes its parent's routes.
  if (Object.hasOwn(metadata, REQUIREMENTS)) return metadata[REQUIREMENTS] as Table
  const inherited = metadata[REQUIREMENTS] as Table | undefined
  const table: Table = new Map([...(inherited ?? new Map<string | symbol, Requirement[]>())].map(([k, v]) => [k, [...v]]))
  Object.defineProperty(metadata, REQUIREMENTS, { value: table, enumerable: false })
  return table
}

/**
 * The requirements recorded on method `name` of a class, in source order (the decorator written
 * first is enforced first). Reads `Class[Symbol.metadata]` or a decorator's `context.metadata`.
 *
 * @example
 * ```ts
 * import { routeRequirements } from '@portcullis/core'
 * routeRequirements(DocumentsController[Symbol.metadata], 'update') // [scopeRequirement, policyRequirement]
 * ```
 */
export function routeRequirements(metadata: DecoratorMetadataObject | null | undefined, name: string | symbol): readonly Requirement[] {
  const table = metadata?.[REQUIREMENTS] as Table | undefined
  return table?.get(name) ?? []
}

/**
 * Records `requirement` on the decorated method and, for the first decorator of that method,
 * wraps it with the adapter's `wrap` and binds it to the instance (so `router.get(path,
 * controller.show)` keeps `this`). `wrap` receives one requirement that enforces every
 * requirement recorded on the method, in source order, through `enforceRequirements` (read at
 * call time, so decorators applied after the first count). Used by the adapters'
 * `RequireScope`, `RequireAuthentication` and `Authorize`. Standard decorators run bottom-up, so
 * prepending keeps source order.
 *
 * @example
 * ```ts
 * import { decorateRoute } from '@portcullis/core'
 * return (method, context) => decorateRoute('@portcullis/express', method, context, createScopeRequirement(scopes), wrap)
 * ```
 */
export function decorateRoute<M extends (...args: never[]) => unknown>(
  adapter: string,
  method: M,
  context: ClassMethodDecoratorContext,
  requirement: Requirement,
  wrap: (method: M, requirement: Requirement, name: string) => M,
): M {
  if (typeof context !== 'object' || context === null || context.kind !== 'method') {
    throw configurationError('Portcullis decorators apply to class methods (standard decorators, without experimentalDecorators)')
  }
  if (context.private) throw configurationError('Portcullis decorators apply to public methods: a private method cannot be a route handler')
  if (typeof context.metadata !== 'object' || context.metadata === null) {
    throw configurationError('Symbol.metadata is missing: import @portcullis/core (or the adapter) before defining decorated classes')
  }
  if (typeof (requirement as Partial<Requirement> | null)?.enforce !== 'function') throw configurationError('decorateRoute: the requirement must have an enforce(input) method')
  const { name, metadata } = context
  const table = ownTable(metadata)
  const list = table.get(name) ?? []
  table.set(name, [requirement, ...list])
  const existing = wrappers.get(method)
  if (existing !== undefined) {
    if (existing !== adapter) throw configurationError(`Portcullis decorators of ${existing} and ${adapter} are stacked on the same method`)
    return method
  }
  const label = typeof name === 'symbol' ? (name.description ?? 'handler') : name
  const recorded: Requirement = { enforce: (input) => enforceRequirements(routeRequirements(metadata, name), input) }
  const wrapped = wrap(method, recorded, label)
  wrappers.set(wrapped, adapter)
  context.addInitializer(function bindRoute(this: unknown) {
    const target = this as Record<string | symbol, unknown>
    const current = target[name]
    if (typeof current === 'function') {
      Object.defineProperty(target, name, { value: current.bind(this), writable: true, configurable: true, enumerable: false })
    }
  })
  return wrapped
}
