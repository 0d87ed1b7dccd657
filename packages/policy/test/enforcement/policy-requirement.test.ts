import { describe, expect, it } from '@jest/globals'
import {
  DEFAULT_AUTH_CONTEXT,
  errorBody,
  type PortcullisError,
} from '@portcullis/core'
import {
  createPolicyEngine,
  createPolicyRequirement,
  deny,
  permit,
  policy,
  responseHeaders,
  stepUp,
  enhancedMonitoring,
  type PolicyAttributes,
} from '@portcullis/policy'
import { auditContext, FROZEN, identity, rejection, request } from '../fixtures.js'

type Doc = { owner: string; department: string; type: string }
type A = PolicyAttributes<Doc>

const docs = policy({
  id: 'documents',
  rules: [
    permit<A>('owner-reads', { actions: ['read'], when: (a) => a.resource.owner === a.subject.id }),
    permit<A>('restricted-edit', { actions: ['update'], obligations: [stepUp({ acrValues: ['mfa'], maxAge: 300 })] }),
    permit('headers', { actions: ['export'], obligations: [responseHeaders({ 'Cache-Control': 'no-store' }), enhancedMonitoring()] }),
    deny<A>('untrusted', { when: (a) => a.environment.ip === '198.51.100.1' }),
  ],
})

describe('createPolicyRequirement (PEP)', () => {
  const engine = createPolicyEngine(docs, { clock: () => FROZEN })
  const input = { doc: { owner: 'alice', department: 'eng', type: 'document' } }
  const read = createPolicyRequirement(engine, { action: 'read', resource: (i: typeof input) => i.doc })

  it('permits when a rule permits and returns the decision id', async () => {
    const result = await read.enforce({ request: request(), identity: identity(), context: DEFAULT_AUTH_CONTEXT, input })
    expect(result.decisionId).toMatch(/^[0-9a-f-]{36}$/)
    expect(result.responseHeaders).toEqual({})
    expect(engine.explain(result.decisionId)?.determining).toEqual(['owner-reads'])
  })

  it('denies with 403 access_denied and only the decision id in the body', async () => {
    const error = (await rejection(() => read.enforce({ request: request(), identity: identity({ subject: 'bob' }), context: DEFAULT_AUTH_CONTEXT, input }))) as unknown as PortcullisError
    expect(error.code).toBe('access_denied')
    expect(error.status).toBe(403)
    expect(errorBody(error)).toEqual({ error: 'access_denied', decision_id: error.decisionId })
    expect(engine.explain(error.decisionId as string)?.decision).toBe('NotApplicable')
  })

  it('a deny rule overrides the permit (deny-overrides)', async () => {
    const error = await rejection(() => read.enforce({ request: request({ remoteAddress: '198.51.100.1' }), identity: identity(), context: DEFAULT_AUTH_CONTEXT, input }))
    expect(error.code).toBe('access_denied')
    expect(engine.explain(error.decisionId as string)?.determining).toEqual(['untrusted'])
  })

  it('a resource loader that throws never permits', async () => {
    const broken = createPolicyRequirement(engine, { action: 'read', resource: () => { throw new Error('db down') } })
    const error = await rejection(() => broken.enforce({ request: request(), identity: identity(), context: DEFAULT_AUTH_CONTEXT, input: {} }))
    expect(error.status).toBe(403)
    const explanation = engine.explain(error.decisionId as string)
    expect(explanation?.errors[0]?.rule).toBe('owner-reads')
    expect(explanation?.errors[0]?.reason).toContain('db down')
  })

  it('step-up obligation: 401 insufficient_user_authentication, fulfilled by a recent mfa', async () => {
    const update = createPolicyRequirement(engine, { action: 'update' })
    const error = await rejection(() => update.enforce({ request: request(), identity: identity({ acr: 'pwd' }), context: DEFAULT_AUTH_CONTEXT, input: {} }))
    expect(error.status).toBe(401)
    expect(error.code).toBe('insufficient_user_authentication')
    expect((error.headers as Record<string, string>)['WWW-Authenticate']).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="A stronger or more recent authentication is required", acr_values="mfa", max_age="300"',
    )
    const old = identity({ acr: 'mfa', authTime: new Date(FROZEN - 301_000) })
    expect((await rejection(() => update.enforce({ request: request(), identity: old, context: DEFAULT_AUTH_CONTEXT, input: {} }))).status).toBe(401)
    const fresh = identity({ acr: 'mfa', authTime: new Date(FROZEN - 10_000) })
    await expect(update.enforce({ request: request(), identity: fresh, context: DEFAULT_AUTH_CONTEXT, input: {} })).resolves.toHaveProperty('decisionId')
  })

  it('response headers and enhanced monitoring obligations reach the adapter and the audit', async () => {
    const { context, events } = await auditContext()
    const exporter = createPolicyRequirement(engine, { action: 'export' })
    const result = await exporter.enforce({ request: request(), identity: identity(), context, input: {} })
    expect(result.responseHeaders).toEqual({ 'Cache-Control': 'no-store' })
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ event: 'authz_success', level: 'WARN', decision_id: result.decisionId, reason: 'policy' })
  })

  it('audits a denial with the explanation (client sees none of it)', async () => {
    const { context, events } = await auditContext()
    const error = await rejection(() => read.enforce({ request: request(), identity: identity({ subject: 'bob' }), context, input }))
    expect(events[0]).toMatchObject({ event: 'authz_fail', decision_id: error.decisionId, outcome: 'failure' })
    expect((events[0]?.explanation as { attributes: Record<string, unknown> }).attributes['subject.id']).toBe('bob')
  })

  it('a resource loader that hangs is time-boxed; one that rejects never permits; 503 is audited as unknown', async () => {
    const quick = createPolicyEngine(docs, { clock: () => FROZEN, resourceTimeout: 20 })
    const hanging = createPolicyRequirement(quick, { action: 'read', resource: () => new Promise(() => undefined) })
    const slow = await rejection(() => hanging.enforce({ request: request(), identity: identity(), context: DEFAULT_AUTH_CONTEXT, input: {} }))
    expect(slow.status).toBe(403)
    expect(quick.explain(slow.decisionId as string)?.errors[0]?.reason).toMatch(/resource is unavailable: it did not answer within 20 ms/)
    const rejecting = createPolicyRequirement(quick, { action: 'read', resource: () => Promise.reject(new Error('gone')) })
    expect((await rejection(() => rejecting.enforce({ request: request(), identity: identity(), context: DEFAULT_AUTH_CONTEXT, input: {} }))).status).toBe(403)

    const { context, events } = await auditContext()
    const infra = createPolicyEngine(
      policy({ id: 'p', rules: [permit<PolicyAttributes<unknown, { dir: { ok: boolean } }>>('dir', { when: (a) => a.subject.dir.ok })] }),
      { providers: { dir: { load: () => Promise.reject(new Error('down')), infrastructure: true } } },
    )
    const error = await rejection(() => createPolicyRequirement(infra, { action: 'read' }).enforce({ request: request(), identity: identity(), context, input: {} }))
    expect(error.status).toBe(503)
    expect(events[0]).toMatchObject({ event: 'authz_fail', level: 'CRITICAL', outcome: 'unknown' })
    expect((events[0]?.explanation as { errors: { reason: string }[] }).errors[0]?.reason).toMatch(/subject\.dir is unavailable/)
  })

  it('explain() keeps a bounded number of recent explanations', async () => {
    const small = createPolicyEngine(docs, { keepExplanations: 3 })
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await small.decide({ action: 'list', identity: identity(), request: request() })).decisionId)
    expect(ids.map((id) => small.explain(id)?.decisionId)).toEqual([undefined, undefined, ids[2], ids[3], ids[4]])
    const none = createPolicyEngine(docs, { keepExplanations: 0 })
    expect(none.explain((await none.decide({ action: 'list', identity: identity(), request: request() })).decisionId)).toBeUndefined()
  })

  it('validates route options at creation', () => {
    expect(() => createPolicyRequirement(engine, { action: '' })).toThrow(/action/)
    expect(() => createPolicyRequirement(engine, { action: 'read', resource: 'x' as never })).toThrow(/resource/)
    expect(() => createPolicyRequirement({} as never, { action: 'read' })).toThrow(/policy engine/)
  })

  it('the engine keeps its obligation handlers and clock off its public surface', () => {
    expect(Object.keys(engine).sort()).toEqual(['clearCaches', 'decide', 'explain', 'policy', 'update'])
    // Something shaped like an engine is not one: the requirement needs the engine's internals.
    const lookalike = { policy: engine.policy, decide: engine.decide, explain: engine.explain, update: engine.update, clearCaches: engine.clearCaches }
    expect(() => createPolicyRequirement(lookalike, { action: 'read' })).toThrow(/policy engine/)
  })
})
