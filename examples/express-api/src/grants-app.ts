import { readFileSync } from 'node:fs'
import express, { type Express, type Response } from 'express'
import { errorHandler, grantsRouter, requirePolicy, requireToken, type RequireTokenOptions } from '@portcullis/express'
import { createGrantService, createPolicyEngine, loadPolicyDocument, type GrantService, type GrantServiceOptions } from '@portcullis/policy'

const MINUTE = 60_000

/**
 * What may be granted just in time: writes to a production table (on-call approves, team
 * leads after 15 minutes without an answer), and the break-glass console (sensitive: a fresh
 * MFA is demanded; CRITICAL requests get 1.5 × the 20 minutes).
 */
export const GRANTABLE: GrantServiceOptions['resources'] = {
  'prod-db/*': {
    actions: ['write'],
    maxDuration: 60 * MINUTE,
    maxExtension: 30 * MINUTE,
    approval: { approvers: { groups: ['oncall'] }, escalation: { after: 15 * MINUTE, approvers: { groups: ['sre-leads'] } } },
  },
  'break-glass': { actions: ['admin'], maxDuration: 20 * MINUTE, sensitive: true, approval: { approvers: { groups: ['oncall'] } } },
}

/** Only an active grant opens these routes; the explanation names the grant that did. */
const JIT_POLICY = loadPolicyDocument({
  id: 'jit-only',
  rules: [{ id: 'active-grant-for-this-action', effect: 'Permit', when: { op: 'hasGrant', attribute: 'subject.grants', ref: 'action' } }],
})

const page = (name: string): string => readFileSync(new URL(`../public/${name}`, import.meta.url), 'utf8')

function sendAsset(res: Response, type: string, body: string): void {
  // No inline script or style source is trusted: the page renders server data as text only.
  res.set({ 'content-type': type, 'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'", 'x-content-type-options': 'nosniff' }).send(body)
}

/**
 * The just-in-time access example: the grants admin routes under `/grants`, the approvals
 * page at `/approvals`, and two routes that only an active grant opens.
 */
export function createGrantsApp(auth: RequireTokenOptions, options: { clock?: () => number; audit?: GrantServiceOptions['audit'] } = {}): { app: Express; grants: GrantService } {
  const clock = options.clock ?? Date.now
  const grants = createGrantService({ resources: GRANTABLE, clock, ...(options.audit === undefined ? {} : { audit: options.audit }) })
  const engine = createPolicyEngine(JIT_POLICY, { grants, clock })
  const html = page('approvals.html')
  const script = page('approvals.js')

  const app = express()
  app.disable('x-powered-by')
  app.get('/approvals', (_req, res) => sendAsset(res, 'text/html; charset=utf-8', html))
  app.get('/approvals.js', (_req, res) => sendAsset(res, 'text/javascript; charset=utf-8', script))
  app.use('/grants', grantsRouter(grants, { token: auth }))

  app.post('/prod-db/:table', requireToken(auth), requirePolicy(engine, { action: 'write', resource: (req) => `prod-db/${String(req.params['table'])}` }), (req, res) => {
    res.json({ table: req.params['table'], written: true, by: req.auth?.subject })
  })
  app.get('/break-glass/console', requireToken(auth), requirePolicy(engine, { action: 'admin', resource: () => 'break-glass' }), (req, res) => {
    res.json({ console: 'open', by: req.auth?.subject })
  })
  app.use(errorHandler())
  return { app, grants }
}
