import Koa from 'koa'
import Router, { type RouterContext } from '@koa/router'
import { bodyParser } from '@koa/bodyparser'
import { Authorize, errorHandler, RequireScope, requireToken, type PolicyEngine, type PortcullisMiddleware, type RequireTokenOptions } from '@portcullis/koa'
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
 * A controller whose methods carry their requirements as standard decorators. Decorators run
 * when the class is defined, so the class is built once the engine exists. Its methods are
 * bound to the instance, so they are passed to the router as they are.
 */
export function documentsController(engine: PolicyEngine, documents: Map<string, Document>) {
  const load = (ctx: RouterContext): Document | undefined => documents.get(ctx.params['id'] ?? '')

  class DocumentsController {
    readonly store = documents

    @RequireScope('documents:read')
    @Authorize(engine, { action: 'read', resourceType: 'document', resource: load })
    show(ctx: RouterContext): void {
      ctx.body = this.store.get(ctx.params['id'] ?? '')
    }

    @RequireScope('documents:write')
    @Authorize(engine, { action: 'update', resourceType: 'document', resource: load })
    update(ctx: RouterContext): void {
      const document = this.store.get(ctx.params['id'] ?? '') as Document
      const { title } = (ctx.request.body ?? {}) as { title?: unknown }
      if (typeof title !== 'string' || title.length === 0 || title.length > 200) {
        ctx.status = 400
        ctx.body = { error: 'title (1-200 characters) is required' }
        return
      }
      document.title = title
      ctx.body = document
    }

    @RequireScope('documents:write')
    @Authorize(engine, { action: 'delete', resourceType: 'document', resource: load })
    remove(ctx: RouterContext): void {
      this.store.delete(ctx.params['id'] ?? '')
      ctx.status = 204
    }
  }
  return new DocumentsController()
}

/**
 * The documents API on Koa: the same policy and routes as the Express example, with the route
 * requirements written as `@RequireScope` and `@Authorize` on controller methods.
 */
export function createDocumentsApp(auth: RequireTokenOptions | PortcullisMiddleware, engine: PolicyEngine, documents = sampleDocuments()): Koa {
  const app = new Koa()
  const router = new Router()
  const controller = documentsController(engine, documents)
  app.use(errorHandler())
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '16kb' }))
  // Given the middleware itself, several apps share one authenticator (one ready(), one key cache).
  app.use(typeof auth === 'function' ? auth : requireToken(auth))
  router.get('/documents/:id', controller.show)
  router.put('/documents/:id', controller.update)
  router.delete('/documents/:id', controller.remove)
  app.use(router.routes())
  app.use(router.allowedMethods())
  return app
}
