// The example's curl lines, run: nginx + gateway + the Python upstream, on free ports.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { freePort } from '../../../packages/gateway/test/proxies.js'
import { startStack, type Stack } from '../stack.mjs'

let stack: Stack
let base = ''
beforeAll(async () => {
  const [a, b, c, d] = [await freePort(), await freePort(), await freePort(), await freePort()]
  stack = await startStack({ NGINX_PORT: String(a), NGINX_OPEN_PORT: String(b), GATEWAY_PORT: String(c), UPSTREAM_PORT: String(d) })
  base = `http://127.0.0.1:${a}`
}, 30_000)
afterAll(() => stack?.stop())

const now = (): number => Math.floor(Date.now() / 1000)

describe('examples/gateway-nginx', () => {
  it('allowed: the Python upstream sees the identity', async () => {
    const token = await stack.issuer.token('documents:read', { sub: 'ada', department: 'eng' })
    const res = await fetch(`${base}/documents/eng-1`, { headers: { authorization: `Bearer ${token}` } })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ path: '/documents/eng-1', subject: 'ada', client: 'test-client', scopes: ['documents:read'] })
  })

  it('missing scope, policy denial, step-up, no token', async () => {
    const noScope = await stack.issuer.token('profile', { sub: 'ada', department: 'eng' })
    expect((await fetch(`${base}/documents/eng-1`, { headers: { authorization: `Bearer ${noScope}` } })).status).toBe(403)
    const reader = await stack.issuer.token('documents:read', { sub: 'ada', department: 'eng' })
    const denied = await fetch(`${base}/documents/hr-1`, { headers: { authorization: `Bearer ${reader}` } })
    expect(denied.status).toBe(403)
    expect(((await denied.json()) as { error: string }).error).toBe('access_denied')
    const weak = await stack.issuer.token('payments:write', { sub: 'ada', acr: 'pwd', auth_time: now() - 60 })
    const stepUp = await fetch(`${base}/payments`, { method: 'POST', headers: { authorization: `Bearer ${weak}` } })
    expect(stepUp.status).toBe(401)
    expect(stepUp.headers.get('www-authenticate')).toContain('acr_values="mfa"')
    const strong = await stack.issuer.token('payments:write', { sub: 'ada', acr: 'mfa', auth_time: now() - 60 })
    expect((await fetch(`${base}/payments`, { method: 'POST', headers: { authorization: `Bearer ${strong}` } })).status).toBe(200)
    expect((await fetch(`${base}/documents/eng-1`)).status).toBe(401)
  })

  it('a forged identity header does not reach the upstream', async () => {
    const res = await fetch(`${base}/health`, { headers: { 'x-portcullis-subject': 'admin' } })
    expect(((await res.json()) as { subject: unknown }).subject).toBeNull()
  })
})
