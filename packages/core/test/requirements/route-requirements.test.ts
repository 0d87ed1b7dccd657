import { describe, expect, it } from '@jest/globals'
import {
  createScopeRequirement,
  decorateRoute,
  DEFAULT_AUTH_CONTEXT,
  enforceRequirements,
  routeRequirements,
  SATISFIED,
  type Enforcement,
  type Identity,
  type Requirement,
  type RequirementInput,
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
const calls: string[] = []
const request = { method: 'GET', url: '/x', headers: {} }
const input = (identity: Identity | undefined): RequirementInput => ({ request, identity, context: DEFAULT_AUTH_CONTEXT, input: undefined })
function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('did not throw')
}
// A requirement that records its name when enforced.
const named = (name: string): Requirement => ({
  enforce() {
    calls.push(name)
    return SATISFIED
  },
})

// A fake adapter: the wrapper enforces the requirement it is given (every requirement recorded
// on the method), then calls the method.
function decorator(requirement: Requirement, adapter = 'fake') {
  return <M extends Handler>(method: M, context: ClassMethodDecoratorContext): M =>
    decorateRoute(adapter, method, context, requirement, (m, recorded) =>
      function (this: unknown, value: string) {
        void recorded.enforce(input(undefined))
        return m.call(this, value)
      } as M,
    )
}

// lib ES2023 does not type Symbol.metadata; read it through the registered symbol.
const META = Symbol.for('Symbol.metadata')
const meta = (cls: object): DecoratorMetadataObject => (cls as Record<symbol, DecoratorMetadataObject>)[META] as DecoratorMetadataObject

const a = named('a')
const b = named('b')

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
    expect(calls).toEqual(['a', 'b'])
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
    const c = named('c')
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
    expect(calls).toEqual(['c', 'a', 'b'])
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
    const methodContext = { kind: 'method', name: 'x', private: false, metadata: {}, addInitializer: () => undefined } as unknown as ClassMethodDecoratorContext
    expect(() => decorateRoute('fake', () => undefined, methodContext, { kind: 'scope' } as never, (m) => m)).toThrow(/enforce/)
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

describe('enforceRequirements', () => {
  const identity = { subject: 'u', scopes: ['a'], claims: {}, audience: [], actor: [] } as unknown as Identity
  const scopeA = createScopeRequirement('a')
  const scopeB = createScopeRequirement('b')
  const policyRequirement = createPolicyRequirement(engine, { action: 'read' })

  it('stops at the first failing requirement, with its error, before any later one runs', () => {
    calls.length = 0
    expect(thrown(() => enforceRequirements([named('first'), scopeB, policyRequirement, named('never')], input(identity)))).toMatchObject({ code: 'insufficient_scope', status: 403 })
    expect(calls).toEqual(['first'])
  })

  it('stays synchronous while every requirement is: met scope checks return SATISFIED itself', () => {
    expect(enforceRequirements([scopeA, scopeA], input(identity))).toBe(SATISFIED)
    expect(enforceRequirements([], input(identity))).toBe(SATISFIED)
    expect(thrown(() => enforceRequirements([scopeA], input(undefined)))).toMatchObject({ code: 'credentials_required', status: 401 })
  })

  it('goes asynchronous at the first promise and collects the response headers of permitted policies', async () => {
    const result = enforceRequirements([scopeA, policyRequirement], input(identity))
    expect(result).toBeInstanceOf(Promise)
    await expect(result).resolves.toEqual({ responseHeaders: { 'Cache-Control': 'no-store' } })
  })

  it('a later requirement wins on the same header; a refusal after a promise rejects', async () => {
    const headers = (value: string): Requirement => ({ enforce: async (): Promise<Enforcement> => ({ responseHeaders: { 'X-Tag': value } }) })
    await expect(enforceRequirements([headers('one'), headers('two')], input(identity))).resolves.toEqual({ responseHeaders: { 'X-Tag': 'two' } })
    await expect(enforceRequirements([policyRequirement, scopeB], input(identity))).rejects.toMatchObject({ code: 'insufficient_scope' })
  })
})
