import { describe, expect, it } from '@jest/globals'
import {
  createScopeRequirement,
  decorateRoute,
  enforceRouteRequirements,
  routeRequirements,
  type Identity,
  type RouteRequirement,
} from '@portcullis/core'
import {
  createPolicyEngine,
  createPolicyRequirement,
  permit,
  policy,
  responseHeaders,
} from '@portcullis/policy'

type Handler = (this: unknown, input: string) => unknown

const engine = createPolicyEngine(policy({ id: 'p', rules: [permit('all', { actions: ['read'], obligations: [responseHeaders({ 'Cache-Control': 'no-store' })] })] }))
const scope = (s: string): RouteRequirement => ({ kind: 'scope', requirement: createScopeRequirement(s) })
const calls: string[] = []

// A fake adapter: the wrapper records the requirements it sees, then calls the method.
function decorator(requirement: RouteRequirement, adapter = 'fake') {
  return <M extends Handler>(method: M, context: ClassMethodDecoratorContext): M =>
    decorateRoute(adapter, method, context, requirement, (m, requirements) =>
      function (this: unknown, input: string) {
        calls.push(requirements().map((r) => (r.kind === 'scope' ? 'scope' : 'policy')).join(','))
        return m.call(this, input)
      } as M,
    )
}

// lib ES2023 does not type Symbol.metadata; read it through the registered symbol.
const META = Symbol.for('Symbol.metadata')
const meta = (cls: object): DecoratorMetadataObject => (cls as Record<symbol, DecoratorMetadataObject>)[META] as DecoratorMetadataObject

const a = scope('a')
const b = scope('b')

class Controller {
  readonly name = 'controller'
  @decorator(a)
  @decorator(b)
  handle(input: string): string {
    return `${this.name}:${input}`
  }
}

class Child extends Controller {
  @decorator(b)
  other(input: string): string {
    return input
  }
}

describe('route decorators: metadata owned by the core', () => {
  it('installs Symbol.metadata (Node 20 lacks it) as the registered symbol', () => {
    expect((Symbol as { metadata?: symbol }).metadata).toBe(META)
    expect(meta(Controller)).toBeDefined()
  })

  it('records requirements in source order and wraps the method once', () => {
    expect(routeRequirements(meta(Controller), 'handle')).toEqual([a, b])
    calls.length = 0
    const { handle } = new Controller()
    expect(handle('x')).toBe('controller:x')
    expect(calls).toEqual(['scope,scope'])
  })

  it('binds the method to its instance (detached calls keep `this`)', () => {
    const handle = new Controller().handle
    expect(handle.call(undefined, 'y')).toBe('controller:y')
  })

  it('a subclass inherits its parent routes without changing them', () => {
    expect(routeRequirements(meta(Child), 'handle')).toEqual([a, b])
    expect(routeRequirements(meta(Child), 'other')).toEqual([b])
    expect(routeRequirements(meta(Controller), 'other')).toEqual([])
  })

  it('a decorated override keeps the parent requirements of that method and adds its own', () => {
    const c = scope('c')
    class Stricter extends Controller {
      @decorator(c)
      override handle(input: string): string {
        return `stricter:${input}`
      }
    }
    expect(routeRequirements(meta(Stricter), 'handle')).toEqual([c, a, b])
    expect(routeRequirements(meta(Controller), 'handle')).toEqual([a, b])
    calls.length = 0
    expect(new Stricter().handle('z')).toBe('stricter:z')
    expect(calls).toEqual(['scope,scope,scope'])
  })

  it('refuses private methods, non-method targets and mixed adapters', () => {
    expect(() => {
      class Private {
        @decorator(a)
        #secret(): void {}
        use(): void {
          this.#secret()
        }
      }
      return Private
    }).toThrow(/public methods/)
    const fieldContext = { kind: 'field', name: 'x', metadata: {} } as unknown as ClassMethodDecoratorContext
    expect(() => decorateRoute('fake', () => undefined, fieldContext, a, (m) => m)).toThrow(/class methods/)
    expect(() => {
      class Mixed {
        @decorator(a, 'express')
        @decorator(b, 'koa')
        handle(): void {}
      }
      return Mixed
    }).toThrow(/stacked on the same method/)
  })
})

describe('enforceRouteRequirements', () => {
  const identity = { subject: 'u', scopes: ['a'], claims: {}, audience: [], actor: [] } as unknown as Identity
  const request = { method: 'GET', url: '/x', headers: {} }

  it('stops at the first failing requirement, with its error', async () => {
    const policyRequirement: RouteRequirement = { kind: 'policy', requirement: createPolicyRequirement(engine, { action: 'read' }) as never }
    await expect(enforceRouteRequirements([b, policyRequirement], { request, identity, context: undefined, input: undefined })).rejects.toMatchObject({ code: 'insufficient_scope', status: 403 })
  })

  it('collects the response headers of permitted policies', async () => {
    const policyRequirement: RouteRequirement = { kind: 'policy', requirement: createPolicyRequirement(engine, { action: 'read' }) as never }
    await expect(enforceRouteRequirements([a, policyRequirement], { request, identity, context: undefined, input: undefined })).resolves.toEqual({ 'Cache-Control': 'no-store' })
    await expect(enforceRouteRequirements([a], { request, identity, context: undefined, input: undefined })).resolves.toEqual({})
  })
})
