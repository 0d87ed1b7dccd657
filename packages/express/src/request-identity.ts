import type { Identity } from '@portcullis/core'
import type { Request } from 'express'

// `req.auth` without adding a property to the request. Express gives each request its app's
// request prototype (Object.setPrototypeOf); a property added to such an object afterwards
// costs the engine a slow path, and every later property access of Express and Node on that
// request pays for it too: about 18 µs per request on a route that answers in 100 µs. So
// `auth` is an accessor on Express's request prototype, defined once, and the identity lives in
// a WeakMap keyed by the request (gone with it). Shared on globalThis under a registered symbol
// so that the ESM and the CommonJS builds of this adapter agree.
const identities = ((globalThis as Record<symbol, unknown>)[Symbol.for('portcullis.express.identities.v1')] ??= new WeakMap<object, Identity | undefined>()) as WeakMap<object, Identity | undefined>
const INSTALLED = Symbol.for('portcullis.express.auth-accessor.v1')

/**
 * Defines `auth` on Express's own request object, which every app's request prototype (the one
 * with its own `app` property) inherits from: a request handed on to a mounted sub-app, which
 * switches prototypes, keeps its `auth`. Anything else (a plain Node request) is left alone,
 * as is a prototype where something else defined `auth`.
 */
function install(appPrototype: object): boolean {
  const prototype = Object.getPrototypeOf(appPrototype) as object | null
  if (!Object.hasOwn(appPrototype, 'app') || prototype === null || Object.hasOwn(appPrototype, 'auth') || Object.hasOwn(prototype, 'auth')) return false
  Object.defineProperty(prototype, 'auth', {
    configurable: true,
    enumerable: true,
    get(this: object): Identity | undefined {
      return identities.get(this)
    },
    set(this: object, identity: Identity | undefined) {
      identities.set(this, identity)
    },
  })
  Object.defineProperty(prototype, INSTALLED, { value: true })
  return true
}

/** Sets `req.auth` (through the prototype's accessor on Express, as a plain property otherwise). */
export function setIdentity(req: Request, identity: Identity): void {
  const prototype = Object.getPrototypeOf(req) as Record<symbol, unknown> | null
  if (prototype !== null && prototype[INSTALLED] !== true) install(prototype)
  req.auth = identity
}
