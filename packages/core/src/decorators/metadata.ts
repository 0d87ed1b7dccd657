import type { AuthContext } from '../authenticator.js'
import { configurationError } from '../errors.js'
import type { Identity } from '../identity/identity.js'
import type { PortcullisRequest } from '../request.js'
import type { ScopeRequirement } from '../scopes/scope-requirement.js'

// Node 20 has no Symbol.metadata, and TypeScript's standard decorators only attach
// `context.metadata` when it exists. This runs when @portcullis/core is first imported, which
// every adapter does before the user's classes are evaluated (their module imports the adapter
// to reach the decorators), so decorated classes always get metadata. The registered symbol is
// the one Node 22+/TypeScript polyfills use, so all of them agree.
;(Symbol as { metadata?: symbol }).metadata ??= Symbol.for('Symbol.metadata')

/** One requirement recorded on a route method by `@RequireScope` or `@Authorize`. */
export type RouteRequirement =
  | { readonly kind: 'scope'; readonly requirement: ScopeRequirement }
  | { readonly kind: 'policy'; readonly requirement: { enforce(args: RouteRequirementArgs): Promise<{ readonly responseHeaders: Readonly<Record<string, string>> }> } }

/** What the adapter wrapper passes in for one request. */
export interface RouteRequirementArgs {
  readonly request: PortcullisRequest
  readonly identity: Identity | undefined
  readonly context: AuthContext | undefined
  /** The framework input handed to policy resource loaders (`req` or `ctx`). */
  readonly input: unknown
}

// A registered symbol: two installed copies of the core read the same metadata.
const REQUIREMENTS = Symbol.for('portcullis.route-requirements')
// Wrappers built by an adapter, with the adapter's name (stacking two adapters is a mistake).
// Kept on globalThis under a registered symbol, like the metadata: the ESM and CommonJS builds
// (or two installed copies) loaded in one process must see each other's wrappers.
const wrappers = ((globalThis as Record<symbol, unknown>)[Symbol.for('portcullis.route-wrappers.v1')] ??= new WeakMap<object, string>()) as WeakMap<object, string>

type Table = Map<string | symbol, RouteRequirement[]>

function ownTable(metadata: DecoratorMetadataObject): Table {
  // Metadata objects inherit from the superclass's: copy on first write so a subclass never
  // changes its parent's routes.
  if (Object.hasOwn(metadata, REQUIREMENTS)) return metadata[REQUIREMENTS] as Table
  const inherited = metadata[REQUIREMENTS] as Table | undefined
  const table: Table = new Map([...(inherited ?? new Map<string | symbol, RouteRequirement[]>())].map(([k, v]) => [k, [...v]]))
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
 * routeRequirements(DocumentsController[Symbol.metadata], 'update') // [{ kind: 'scope', ... }, { kind: 'policy', ... }]
 * ```
 */
export function routeRequirements(metadata: DecoratorMetadataObject | null | undefined, name: string | symbol): readonly RouteRequirement[] {
  const table = metadata?.[REQUIREMENTS] as Table | undefined
  return table?.get(name) ?? []
}

/**
 * Records `requirement` on the decorated method and, for the first decorator of that method,
 * wraps it with the adapter's `wrap` and binds it to the instance (so `router.get(path,
 * controller.show)` keeps `this`). Used by the adapters' `RequireScope` and `Authorize`.
 * Standard decorators run bottom-up, so prepending keeps source order.
 *
 * @example
 * ```ts
 * import { decorateRoute } from '@portcullis/core'
 * return (method, context) => decorateRoute('express', method, context, requirement, wrapExpress)
 * ```
 */
export function decorateRoute<M extends (...args: never[]) => unknown>(
  adapter: string,
  method: M,
  context: ClassMethodDecoratorContext,
  requirement: RouteRequirement,
  wrap: (method: M, requirements: () => readonly RouteRequirement[], name: string) => M,
): M {
  if (typeof context !== 'object' || context === null || context.kind !== 'method') {
    throw configurationError('Portcullis decorators apply to class methods (standard decorators, without experimentalDecorators)')
  }
  if (context.private) throw configurationError('Portcullis decorators apply to public methods: a private method cannot be a route handler')
  if (typeof context.metadata !== 'object' || context.metadata === null) {
    throw configurationError('Symbol.metadata is missing: import @portcullis/core (or the adapter) before defining decorated classes')
  }
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
  const wrapped = wrap(method, () => routeRequirements(metadata, name), label)
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

/**
 * Enforces route requirements in order: a scope failure or a policy rejection rejects with the
 * `PortcullisError`; on success resolves with the response headers the policies' obligations ask for.
 *
 * @example
 * ```ts
 * import { enforceRouteRequirements } from '@portcullis/core'
 * const headers = await enforceRouteRequirements(requirements, { request, identity, context, input: req })
 * ```
 */
export async function enforceRouteRequirements(requirements: readonly RouteRequirement[], args: RouteRequirementArgs): Promise<Readonly<Record<string, string>>> {
  let headers: Record<string, string> | undefined
  for (const entry of requirements) {
    if (entry.kind === 'scope') {
      const error = entry.requirement.check(args.identity, args.request, args.context)
      if (error !== undefined) throw error
    } else {
      const { responseHeaders } = await entry.requirement.enforce(args)
      if (Object.keys(responseHeaders).length > 0) headers = { ...headers, ...responseHeaders }
    }
  }
  return headers ?? {}
}
