import { describe, expect, it } from '@jest/globals'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import client from 'prom-client'
import { createMetrics, DEFAULT_AUTH_CONTEXT } from '@portcullis/core'
import { createPolicyEngine, createPolicyRequirement, permit, policy, type PolicyAttributes } from '@portcullis/policy'
import { FROZEN, identity, rejection, request } from '../fixtures.js'

type A = PolicyAttributes<{ owner: string }>
const docs = policy({ id: 'documents', rules: [permit<A>('owner-reads', { actions: ['read'], when: (a) => a.resource.owner === a.subject.id })] })

describe('createPolicyEngine({ metrics, tracer })', () => {
  it("counts and traces the engine's decisions without a requireToken context", async () => {
    const registry = new client.Registry()
    const exporter = new InMemorySpanExporter()
    const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('test')
    const engine = createPolicyEngine(docs, { clock: () => FROZEN, metrics: createMetrics({ client, registry }), tracer })
    const read = createPolicyRequirement(engine, { action: 'read', resource: () => ({ owner: 'alice' }) })
    const permitted = await read.enforce({ request: request(), identity: identity(), context: DEFAULT_AUTH_CONTEXT, input: {} })
    await rejection(() => read.enforce({ request: request(), identity: identity({ subject: 'bob' }), context: DEFAULT_AUTH_CONTEXT, input: {} }))
    const text = await registry.getSingleMetricAsString('portcullis_authz_decisions_total')
    expect(text).toContain('portcullis_authz_decisions_total{requirement="policy",decision="permit"} 1')
    expect(text).toContain('portcullis_authz_decisions_total{requirement="policy",decision="deny"} 1')
    const spans = exporter.getFinishedSpans()
    expect(spans.map((s) => [s.name, s.attributes['portcullis.authz.outcome'], s.attributes['portcullis.authz.decision']])).toEqual([
      ['portcullis.authorize', 'permit', 'Permit'],
      ['portcullis.authorize', 'deny', 'NotApplicable'],
    ])
    expect(spans[0]?.attributes['portcullis.authz.decision_id']).toBe(permitted.decisionId)
  })

  it('refuses a metrics or tracer option that is not one', () => {
    expect(() => createPolicyEngine(docs, { metrics: {} as never })).toThrow(/policy engine: metrics/)
    expect(() => createPolicyEngine(docs, { tracer: { startActiveSpan: () => undefined } as never })).toThrow(/policy engine: tracer/)
  })
})
