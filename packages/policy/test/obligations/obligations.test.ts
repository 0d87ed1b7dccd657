import { describe, expect, it } from '@jest/globals'
import { DEFAULT_AUTH_CONTEXT } from '@portcullis/core'
import { createPolicyEngine, createPolicyRequirement, deny, permit, policy, stepUp, type ObligationHandler } from '@portcullis/policy'
import { FROZEN, identity, rejection, request } from '../fixtures.js'

const enforce = (engine: ReturnType<typeof createPolicyEngine>, action = 'read', who = identity()): Promise<unknown> =>
  createPolicyRequirement(engine, { action }).enforce({ request: request({ headers: { 'x-ticket': 'T-1' } }), identity: who, context: DEFAULT_AUTH_CONTEXT, input: {} })

describe('obligations and advice', () => {
  it('an obligation without a handler denies (403), named in the explanation', async () => {
    const engine = createPolicyEngine(policy({ id: 'p', rules: [permit('r', { obligations: [{ id: 'redact-fields' }] })] }))
    const error = await rejection(() => enforce(engine))
    expect(error.status).toBe(403)
    expect(engine.explain(error.decisionId as string)?.enforcement).toEqual({ outcome: 'deny', reason: 'obligation "redact-fields" has no handler' })
  })

  it('advice without a handler is ignored', async () => {
    const engine = createPolicyEngine(policy({ id: 'p', rules: [permit('r', { advice: [{ id: 'notify-owner' }] })] }))
    await expect(enforce(engine)).resolves.toHaveProperty('decisionId')
  })

  it('custom handlers discharge, refuse, throw or return garbage (the last three deny)', async () => {
    const outcomes: Record<string, ObligationHandler> = {
      ok: (_o, { request: r }) => (r.headers['x-ticket'] === 'T-1' ? { fulfilled: true, headers: { 'X-Ticket': 'T-1' } } : { fulfilled: false }),
      no: () => ({ fulfilled: false, reason: 'no ticket' }),
      boom: () => {
        throw new Error('handler bug')
      },
      garbage: () => 'yes' as never,
      badHeaders: () => ({ fulfilled: true, headers: { 'X-Evil': 'a\r\nSet-Cookie: x' } }),
    }
    for (const [id, expected] of [['ok', 'permit'], ['no', 403], ['boom', 403], ['garbage', 403], ['badHeaders', 403]] as const) {
      const engine = createPolicyEngine(policy({ id: 'p', rules: [permit('r', { obligations: [{ id }] })] }), { obligationHandlers: outcomes })
      if (expected === 'permit') {
        await expect(enforce(engine)).resolves.toMatchObject({ responseHeaders: { 'X-Ticket': 'T-1' } })
      } else {
        expect((await rejection(() => enforce(engine))).status).toBe(expected)
      }
    }
  })

  it('built-in handlers cannot be replaced; handler names are validated', () => {
    const p = policy({ id: 'p', rules: [permit('r')] })
    expect(() => createPolicyEngine(p, { obligationHandlers: { 'step-up': () => ({ fulfilled: true }) } })).toThrow(/cannot be replaced/)
    expect(() => createPolicyEngine(p, { obligationHandlers: { x: 'nope' as never } })).toThrow(/function/)
  })

  it('a Deny carrying a step-up obligation answers 401 until the user stepped up, then 403', async () => {
    const engine = createPolicyEngine(
      policy({ id: 'p', rules: [permit('r'), deny('needs-mfa', { when: (a) => a.subject.acr !== 'mfa', obligations: [stepUp({ acrValues: ['mfa'] })] })] }),
      { clock: () => FROZEN },
    )
    expect((await rejection(() => enforce(engine))).status).toBe(401)
    await expect(enforce(engine, 'read', identity({ acr: 'mfa' }))).resolves.toHaveProperty('decisionId')
  })

  it('obligation parameters are validated when the policy is built', () => {
    expect(() => permit('r', { obligations: [stepUp({})] })).toThrow(/acrValues and\/or maxAge/)
    expect(() => permit('r', { obligations: [stepUp({ maxAge: -1 })] })).toThrow(/maxAge/)
    expect(() => permit('r', { obligations: [{ id: 'response-headers', params: { headers: { 'Set-Cookie': 'a=b' } } }] })).toThrow(/may not be set/)
    expect(() => permit('r', { obligations: [{ id: 'x', fulfillOn: 'Deny' }] })).toThrow(/Permit rule only returns Permit obligations/)
  })
})
