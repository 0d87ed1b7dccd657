import { describe, expect, it } from '@jest/globals'
import { Readable } from 'node:stream'
import { createGrantService, createGrantsHttp, createMemoryGrantStore, GRANT_ROUTES, matchGrantRoute, readGrantsBody, type GrantRoute, type GrantStore } from '@portcullis/policy'
import { FROZEN, identity, rejection } from '../fixtures.js'

const HOUR = 3_600_000
const route = (name: string): GrantRoute => GRANT_ROUTES.find((r) => r.name === name) as GrantRoute
const alice = identity({ subject: 'alice' })
const body = { resource: 'r', actions: ['x'], justification: 'j', duration: HOUR, urgency: 'HIGH' }

function setup(store?: GrantStore): ReturnType<typeof createGrantsHttp> {
  const grants = createGrantService({ clock: () => FROZEN, ...(store === undefined ? {} : { store }), resources: { r: { actions: ['x'], maxDuration: HOUR, approval: { approvers: { groups: ['dba'] } } } } })
  return createGrantsHttp(grants)
}

describe('grants HTTP handlers (framework-neutral)', () => {
  it('matches the routes and decodes the id; anything else is not ours', () => {
    expect(matchGrantRoute('POST', '/requests/a%20b/approve')).toMatchObject({ route: { name: 'approve' }, id: 'a b' })
    expect(matchGrantRoute('GET', '/requests/mine')?.route.name).toBe('mine')
    expect(matchGrantRoute('GET', '/requests/x/approve')).toBeUndefined()
    expect(matchGrantRoute('POST', '/requests/%E0%A4%A/approve')).toBeUndefined()
    expect(matchGrantRoute('DELETE', '/requests/x')).toBeUndefined()
  })

  it('an Idempotency-Key replays the first answer, and refuses reuse for another body', async () => {
    const http = setup()
    const first = await http.handle(route('request'), { identity: alice, body, idempotencyKey: 'key-1' })
    expect(first.status).toBe(201)
    const again = await http.handle(route('request'), { identity: alice, body, idempotencyKey: 'key-1' })
    expect(again).toEqual(first) // not a duplicate_grant 409: the retry gets the first answer
    const other = await http.handle(route('request'), { identity: alice, body: { ...body, justification: 'k' }, idempotencyKey: 'key-1' })
    expect(other).toMatchObject({ status: 400, body: { field: 'Idempotency-Key' } })
    const bob = await http.handle(route('request'), { identity: identity({ subject: 'bob' }), body, idempotencyKey: 'key-1' })
    expect(bob.status).toBe(201) // keys are per user
  })

  it('concurrent retries with one key run the operation once', async () => {
    const http = setup()
    const answers = await Promise.all([1, 2, 3].map(() => http.handle(route('request'), { identity: alice, body, idempotencyKey: 'same' })))
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201])
    expect(new Set(answers.map((a) => (a.body as { grant: { id: string } }).grant.id)).size).toBe(1)
  })

  it('a 5xx answer is not replayed: the retry runs again', async () => {
    let down = true
    const inner = createMemoryGrantStore()
    const http = setup({ ...inner, list: (q) => (down ? Promise.reject(new Error('down')) : inner.list(q)) })
    expect((await http.handle(route('request'), { identity: alice, body, idempotencyKey: 'k' })).status).toBe(503)
    down = false
    expect((await http.handle(route('request'), { identity: alice, body, idempotencyKey: 'k' })).status).toBe(201)
  })

  it.each([
    ['bad key', { body, idempotencyKey: 'has space' }, 'Idempotency-Key'],
    ['no body', { body: undefined }, '$'],
    ['array body', { body: [] }, '$'],
    ['missing field', { body: { ...body, urgency: undefined } }, 'urgency'],
    ['unknown field', { body: { ...body, __proto__x: 1 } }, '__proto__x'],
    ['wrong type', { body: { ...body, duration: '1h' } }, 'duration'],
  ])('%s: 400 with the field', async (_name, input, field) => {
    const out = await setup().handle(route('request'), { identity: alice, ...input } as never)
    expect(out.status).toBe(400)
    expect(out.body).toMatchObject({ error: 'invalid_input', field })
    expect(out.headers['cache-control']).toBe('no-store')
  })

  it('without an identity nothing happens (403)', async () => {
    expect((await setup().handle(route('mine'), { identity: undefined })).status).toBe(403)
  })

  it('reads bounded JSON bodies', async () => {
    await expect(readGrantsBody(Readable.from([Buffer.from('{"a":1}')]), 'application/json; charset=utf-8')).resolves.toEqual({ a: 1 })
    await expect(readGrantsBody(Readable.from([]), undefined)).resolves.toBeUndefined()
    expect(await rejection(() => readGrantsBody(Readable.from([Buffer.from('{}')]), 'text/plain'))).toMatchObject({ code: 'invalid_input', status: 400 })
    expect(await rejection(() => readGrantsBody(Readable.from([Buffer.alloc(17 * 1024, 32)]), 'application/json'))).toMatchObject({ code: 'invalid_input' })
  })
})
