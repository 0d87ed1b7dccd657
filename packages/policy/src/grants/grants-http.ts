import { createHash } from 'node:crypto'
import { errorBody, isPortcullisError, TtlCache } from '@portcullis/core'
import type { Identity } from '@portcullis/core'
import { createPolicyEngine, type PolicyEngine } from '../engine.js'
import { permit, policy } from '../model/builders.js'
import type { PolicyAttributes } from '../model/attributes.js'
import { GrantError, isGrantError } from './grant-error.js'
import { summarizeGrant, type GrantCallContext } from './grant-events.js'
import type { GrantService } from './grant-service.js'
import type { GrantRecord } from './grant-types.js'

/** The operations of the admin routes. */
export type GrantRouteName = 'request' | 'mine' | 'approvable' | 'supervised' | 'get' | 'approve' | 'reject' | 'extend' | 'revoke'

/** One admin route: method, path (relative to the mount point), the scopes it needs (any of them) and the policy action. */
export interface GrantRoute {
  readonly name: GrantRouteName
  readonly method: 'GET' | 'POST'
  readonly path: string
  readonly scopes: 'request' | 'approve' | 'any'
  readonly action: string
}

/**
 * The admin routes every adapter mounts, so Express and Koa cannot drift apart.
 *
 * @example
 * ```ts
 * for (const route of GRANT_ROUTES) console.log(route.method, route.path)
 * ```
 */
export const GRANT_ROUTES: readonly GrantRoute[] = Object.freeze([
  { name: 'request', method: 'POST', path: '/requests', scopes: 'request', action: 'grants:request' },
  { name: 'mine', method: 'GET', path: '/requests/mine', scopes: 'any', action: 'grants:list' },
  { name: 'approvable', method: 'GET', path: '/requests/approvable', scopes: 'approve', action: 'grants:list' },
  { name: 'supervised', method: 'GET', path: '/requests/supervised', scopes: 'approve', action: 'grants:list' },
  { name: 'get', method: 'GET', path: '/requests/:id', scopes: 'any', action: 'grants:read' },
  { name: 'approve', method: 'POST', path: '/requests/:id/approve', scopes: 'approve', action: 'grants:approve' },
  { name: 'reject', method: 'POST', path: '/requests/:id/reject', scopes: 'approve', action: 'grants:reject' },
  { name: 'extend', method: 'POST', path: '/requests/:id/extend', scopes: 'request', action: 'grants:extend' },
  { name: 'revoke', method: 'POST', path: '/requests/:id/revoke', scopes: 'any', action: 'grants:revoke' },
] as const)

/** The resource the admin policy sees for a route on one grant. */
export interface GrantRouteResource {
  readonly type: 'grant'
  readonly id: string
  /** The caller holds (requested) this grant. */
  readonly holder: boolean
  /** The caller is an approver of the grant's resource (not necessarily able to decide it now). */
  readonly approver: boolean
  readonly admin: boolean
  readonly resource: string
  readonly urgency: GrantRecord['urgency']
}

type AdminAttributes = PolicyAttributes<GrantRouteResource | { type: 'grants' }>
const on = (a: AdminAttributes): Partial<GrantRouteResource> => a.resource as Partial<GrantRouteResource>

/**
 * The default policy of the admin routes: anyone authenticated may request and list their
 * own; approvers of a grant's resource may approve and reject it; the holder may extend it;
 * the holder, an approver or an admin may read and revoke it. The service checks the state
 * (no self-approval, one vote each, not after a rejection) behind it. Replace it with a
 * stricter engine through the routers' `policy` option (its resource is a
 * {@link GrantRouteResource}, its actions `grants:<operation>`).
 *
 * @example
 * ```ts
 * const engine = createPolicyEngine(defaultGrantsPolicy())
 * ```
 */
export function defaultGrantsPolicy(): ReturnType<typeof policy> {
  return policy({
    id: 'grants-admin',
    rules: [
      permit<AdminAttributes>('authenticated-may-request-and-list', { actions: ['grants:request', 'grants:list'], when: (a) => a.subject?.id !== undefined }),
      permit<AdminAttributes>('approvers-decide', { actions: ['grants:approve', 'grants:reject'], when: (a) => on(a).approver === true }),
      permit<AdminAttributes>('holder-extends', { actions: ['grants:extend'], when: (a) => on(a).holder === true }),
      permit<AdminAttributes>('holder-approver-or-admin-reads-and-revokes', {
        actions: ['grants:read', 'grants:revoke'],
        when: (a) => on(a).holder === true || on(a).approver === true || on(a).admin === true,
      }),
    ],
  })
}

/** One call of an admin route, as the adapter hands it over. */
export interface GrantsHttpInput {
  readonly identity: Identity | undefined
  /** The `:id` path parameter. */
  readonly id?: string | undefined
  /** The parsed JSON body (`undefined` when there was none). */
  readonly body?: unknown
  /** The `Idempotency-Key` request header. */
  readonly idempotencyKey?: string | string[] | undefined
  readonly context?: GrantCallContext
}

/** What the adapter sends back. */
export interface GrantsHttpOutput {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
}

/**
 * Options of {@link createGrantsHttp} (and of the adapters' `grantsRouter`).
 *
 * @example
 * ```ts
 * createGrantsHttp(grants, { policy: createPolicyEngine(myStricterPolicy) })
 * ```
 */
export interface GrantsHttpOptions {
  /** The admin policy (default: {@link defaultGrantsPolicy}). */
  readonly policy?: PolicyEngine
  /** Idempotency-Key entries kept (default 10,000) and for how long in ms (default 24 h). */
  readonly idempotency?: { readonly size?: number; readonly ttl?: number }
}

/** The framework-neutral admin routes. */
export interface GrantsHttp {
  readonly routes: readonly GrantRoute[]
  /** The admin policy engine the adapters enforce with `requirePolicy`. */
  readonly policy: PolicyEngine
  /** The resource the admin policy sees for `route` (a {@link GrantRouteResource} for routes on one grant). */
  policyResource(route: GrantRoute, id: string | undefined, identity: Identity | undefined): Promise<GrantRouteResource | { type: 'grants' } | undefined>
  /** Runs a route (after the adapter has enforced token, scopes and policy). Never rejects. */
  handle(route: GrantRoute, input: GrantsHttpInput): Promise<GrantsHttpOutput>
}

const FIELDS: Readonly<Record<GrantRouteName, Readonly<Record<string, 'string' | 'number' | 'array'>> | undefined>> = {
  request: { resource: 'string', actions: 'array', justification: 'string', duration: 'number', urgency: 'string' },
  approve: { comment: 'string' },
  reject: { comment: 'string' },
  extend: { duration: 'number', justification: 'string' },
  revoke: { reason: 'string' },
  mine: undefined,
  approvable: undefined,
  supervised: undefined,
  get: undefined,
}
const REQUIRED: Readonly<Partial<Record<GrantRouteName, readonly string[]>>> = {
  request: ['resource', 'actions', 'justification', 'duration', 'urgency'],
  extend: ['duration', 'justification'],
}
const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,128}$/
const CORRELATION = /^[A-Za-z0-9._:@/+=-]{1,128}$/

// Keeps only well-formed request details for audit events (they come from request headers).
function cleanContext(context: GrantCallContext | undefined): GrantCallContext | undefined {
  if (context === undefined) return undefined
  const { correlationId, userAgent, ...rest } = context
  return {
    ...rest,
    ...(correlationId !== undefined && CORRELATION.test(correlationId) ? { correlationId } : {}),
    ...(typeof userAgent === 'string' ? { userAgent: userAgent.slice(0, 512) } : {}),
  }
}
const JSON_HEADERS = Object.freeze({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })

/** Checks the shape of a JSON body: an object with only the route's fields, of the right types. */
function checkBody(route: GrantRoute, body: unknown): Record<string, unknown> {
  const fields = FIELDS[route.name]
  if (fields === undefined) return {}
  if (body === undefined || body === null || body === '') {
    if (REQUIRED[route.name] === undefined) return {}
    throw new GrantError('invalid_input', 'a JSON object body is required', '$')
  }
  if (typeof body !== 'object' || Array.isArray(body)) throw new GrantError('invalid_input', 'the body must be a JSON object', '$')
  const input = body as Record<string, unknown>
  for (const key of Object.keys(input)) {
    const kind = Object.prototype.hasOwnProperty.call(fields, key) ? fields[key] : undefined
    if (kind === undefined) throw new GrantError('invalid_input', `unknown field (expected ${Object.keys(fields).join(', ')})`, key.slice(0, 64))
    const value = input[key]
    const ok = kind === 'array' ? Array.isArray(value) : typeof value === kind
    if (!ok) throw new GrantError('invalid_input', `must be ${kind === 'array' ? 'an array' : `a ${kind}`}`, key)
  }
  for (const key of REQUIRED[route.name] ?? []) if (!(key in input)) throw new GrantError('invalid_input', 'is required', key)
  return input
}

function render(error: unknown): GrantsHttpOutput {
  if (isGrantError(error)) {
    const body = error.expose ? { error: error.code, error_description: error.message, ...(error.field === undefined ? {} : { field: error.field }) } : { error: error.code }
    return { status: error.status, headers: { ...JSON_HEADERS, ...error.headers }, body }
  }
  if (isPortcullisError(error)) return { status: error.status, headers: { ...JSON_HEADERS, ...error.headers }, body: errorBody(error) }
  return { status: 500, headers: JSON_HEADERS, body: { error: 'server_error' } }
}

/**
 * The admin routes of the grants service without a web framework: the adapters' tiny
 * `grantsRouter()` parse JSON, enforce `requireToken` + `requireScope` + `requirePolicy` (with
 * {@link GrantsHttp.policy} and {@link GrantsHttp.policyResource}) and call `handle`.
 *
 * Idempotency: approve, reject and revoke are naturally idempotent (a repeated vote or
 * revocation returns the record unchanged); every POST also honours an `Idempotency-Key`
 * header: a retry with the same key and the same body gets the first answer again, a reuse of
 * the key for another body is refused (400). Keys are per user, bounded, and expire.
 *
 * @example
 * ```ts
 * const http = createGrantsHttp(grants)
 * const route = GRANT_ROUTES.find((r) => r.name === 'approve')!
 * const { status, body } = await http.handle(route, { identity, id, body: { comment: 'ok' } })
 * ```
 */
export function createGrantsHttp(service: GrantService, options: GrantsHttpOptions = {}): GrantsHttp {
  const engine = options.policy ?? createPolicyEngine(defaultGrantsPolicy(), { clock: service.clock })
  const replay = new TtlCache<{ fingerprint: string; response: Promise<GrantsHttpOutput>; failed: boolean }>({ maxEntries: options.idempotency?.size ?? 10_000 }, service.clock)
  const replayTtl = options.idempotency?.ttl ?? 24 * 3600 * 1000

  async function run(route: GrantRoute, input: GrantsHttpInput): Promise<GrantsHttpOutput> {
    const identity = input.identity
    if (identity?.subject === undefined) throw new GrantError('forbidden', 'an authenticated user is required')
    const body = checkBody(route, input.body)
    const id = input.id ?? ''
    const ok = (grant: GrantRecord, status = 200): GrantsHttpOutput => ({ status, headers: JSON_HEADERS, body: { grant: summarizeGrant(grant, service.clock()) } })
    const list = (grants: GrantRecord[]): GrantsHttpOutput => {
      const now = service.clock()
      return { status: 200, headers: JSON_HEADERS, body: { now: new Date(now).toISOString(), grants: grants.map((g) => summarizeGrant(g, now)) } }
    }
    switch (route.name) {
      case 'request':
        return ok(await service.request({ ...(body as object), identity } as never, input.context), 201)
      case 'mine':
        return list(await service.listMine(identity))
      case 'approvable':
        return list(await service.listApprovable(identity))
      case 'supervised':
        return list(await service.listSupervised(identity))
      case 'get':
        return ok(await service.get(id, identity))
      case 'approve':
        return ok(await service.approve(id, identity, body as { comment?: string }, input.context))
      case 'reject':
        return ok(await service.reject(id, identity, body as { comment?: string }, input.context))
      case 'extend':
        return ok(await service.extend(id, identity, body as { duration: number; justification: string }, input.context))
      case 'revoke':
        return ok(await service.revoke(id, identity, body as { reason?: string }, input.context))
    }
  }

  return {
    routes: GRANT_ROUTES,
    policy: engine,
    async policyResource(route, id, identity) {
      if (route.path.indexOf(':id') === -1) return { type: 'grants' }
      if (identity?.subject === undefined || typeof id !== 'string' || id === '' || id.length > 128) return undefined
      let record: GrantRecord
      try {
        record = await service.get(id, identity)
      } catch (error) {
        if (isGrantError(error) && error.code === 'not_found') return undefined // the policy denies: no oracle for ids
        throw error
      }
      return {
        type: 'grant',
        id: record.id,
        holder: record.requester.subject === identity.subject && record.requester.issuer === identity.issuer,
        approver: service.isApprover(record, identity),
        admin: service.isAdmin(identity),
        resource: record.resource,
        urgency: record.urgency,
      }
    },
    async handle(route, raw) {
      const input = { ...raw, context: cleanContext(raw.context) }
      try {
        const header = input.idempotencyKey
        if (route.method !== 'POST' || header === undefined) return await run(route, input)
        const key = Array.isArray(header) ? header[0] : header
        if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) throw new GrantError('invalid_input', 'Idempotency-Key must be 1-128 characters of A-Z a-z 0-9 . _ : -', 'Idempotency-Key')
        const who = `${input.identity?.issuer ?? ''}\u0000${input.identity?.subject ?? ''}\u0000${key}`
        const fingerprint = createHash('sha256').update(JSON.stringify([route.name, input.id ?? '', input.body ?? null])).digest('hex')
        const seen = replay.get(who)
        if (seen !== undefined && !seen.failed) {
          if (seen.fingerprint !== fingerprint) throw new GrantError('invalid_input', 'this Idempotency-Key was used for another request', 'Idempotency-Key')
          return await seen.response
        }
        const entry = { fingerprint, response: run(route, input).catch(render), failed: false }
        replay.set(who, entry, service.clock() + replayTtl)
        const out = await entry.response
        if (out.status >= 500) entry.failed = true // a retry after an outage runs again
        return out
      } catch (error) {
        return render(error)
      }
    },
  }
}

/** Largest JSON body of the admin routes, in bytes. */
export const GRANTS_BODY_LIMIT = 16 * 1024

/**
 * Reads and parses a JSON request body from a Node stream (an `IncomingMessage`), bounded by
 * {@link GRANTS_BODY_LIMIT}; an empty body is `undefined`. Throws a `GrantError` (400) for a
 * body that is too large, not JSON, or not declared as `application/json`.
 *
 * @example
 * ```ts
 * const body = await readGrantsBody(req, req.headers['content-type'])
 * ```
 */
export async function readGrantsBody(source: AsyncIterable<Uint8Array>, contentType: string | undefined): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of source) {
    size += chunk.length
    if (size > GRANTS_BODY_LIMIT) throw new GrantError('invalid_input', `the body is larger than ${GRANTS_BODY_LIMIT} bytes`, '$')
    chunks.push(Buffer.from(chunk))
  }
  if (size === 0) return undefined
  if (contentType === undefined || !/^application\/json\s*(;|$)/i.test(contentType)) throw new GrantError('invalid_input', 'the body must be application/json', '$')
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
  } catch {
    throw new GrantError('invalid_input', 'the body is not valid JSON', '$')
  }
}

/** Matches a request path against the routes: the route and its `:id`, or undefined. */
export function matchGrantRoute(method: string, path: string): { route: GrantRoute; id: string | undefined } | undefined {
  const parts = path.split('/').filter((p) => p !== '')
  for (const route of GRANT_ROUTES) {
    if (route.method !== method) continue
    const pattern = route.path.split('/').filter((p) => p !== '')
    if (pattern.length !== parts.length) continue
    let id: string | undefined
    let ok = true
    for (let i = 0; i < pattern.length && ok; i++) {
      const want = pattern[i] as string
      const got = parts[i] as string
      if (want === ':id') {
        try {
          id = decodeURIComponent(got)
        } catch {
          ok = false
        }
      } else ok = want === got
    }
    if (ok) return { route, id }
  }
  return undefined
}
