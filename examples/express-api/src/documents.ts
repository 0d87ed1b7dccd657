import express, { type Express, type Request } from 'express'
import { errorHandler, requirePolicy, requireScope, requireToken, type PolicyEngine, type PortcullisMiddleware, type RequireTokenOptions } from '@portcullis/express'
import type { Document } from './documents-policy.js'

/** The example documents, by id. */
export function sampleDocuments(): Map<string, Document> {
  return new Map<string, Document>([
    ['handbook', { id: 'handbook', type: 'document', title: 'Employee handbook', classification: 'INTERNAL', department: 'eng', owner: 'alice', legalHold: false, siteTimeZone: 'Europe/Paris' }],
    ['roadmap', { id: 'roadmap', type: 'document', title: 'Roadmap', classification: 'CONFIDENTIAL', department: 'eng', owner: 'alice', legalHold: false, siteTimeZone: 'Europe/Paris' }],
    ['forecast', { id: 'forecast', type: 'document', title: 'US forecast', classification: 'CONFIDENTIAL', department: 'eng', owner: 'erin', legalHold: false, siteTimeZone: 'America/New_York' }],
    ['payroll', { id: 'payroll', type: 'document', title: 'Payroll', classification: 'CONFIDENTIAL', department: 'hr', owner: 'carol', legalHold: false, siteTimeZone: 'Europe/Paris' }],
    ['merger', { id: 'merger', type: 'document', title: 'Merger plan', classification: 'RESTRICTED', department: 'eng', owner: 'alice', legalHold: false, siteTimeZone: 'Europe/Paris', stepUpMaxAge: 300 }],
    ['contract', { id: 'contract', type: 'document', title: 'Contract', classification: 'INTERNAL', department: 'eng', owner: 'alice', legalHold: true, siteTimeZone: 'Europe/Paris' }],
  ])
}

/**
 * The documents API: `requireToken`, then `requireScope` and `requirePolicy` per route. The
 * resource loader gets the request; the policy sees the document, the caller's claims
 * (`department`, `clearance`, `acr`, `auth_time`) and the environment (time in Paris, client
 * IP and network zone, `X-Device-Trust`). Denials answer 403 `{ error: "access_denied",
 * decision_id }`; `engine.explain(decision_id)` tells the operator why.
 */
export function createDocumentsApp(auth: RequireTokenOptions | PortcullisMiddleware, engine: PolicyEngine, documents = sampleDocuments()): Express {
  const app = express()
  app.disable('x-powered-by')
  app.use(express.json({ limit: '16kb' }))
  // Given the middleware itself, several apps share one authenticator (one ready(), one key cache).
  app.use(typeof auth === 'function' ? auth : requireToken(auth))
  const load = (req: Request): Document | undefined => documents.get(String(req.params['id']))

  app.get('/documents/:id', requireScope('documents:read'), requirePolicy(engine, { action: 'read', resourceType: 'document', resource: load }), (req, res) => {
    res.json(load(req))
  })
  app.put('/documents/:id', requireScope('documents:write'), requirePolicy(engine, { action: 'update', resourceType: 'document', resource: load }), (req, res) => {
    const document = load(req) as Document
    const { title } = (req.body ?? {}) as { title?: unknown }
    if (typeof title !== 'string' || title.length === 0 || title.length > 200) {
      res.status(400).json({ error: 'title (1-200 characters) is required' })
      return
    }
    document.title = title
    res.json(document)
  })
  app.delete('/documents/:id', requireScope('documents:write'), requirePolicy(engine, { action: 'delete', resourceType: 'document', resource: load }), (req, res) => {
    documents.delete(String(req.params['id']))
    res.status(204).end()
  })
  app.use(errorHandler())
  return app
}
