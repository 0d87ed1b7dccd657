// The dual-package hazard: an ESM app that also loads the CommonJS build (through a CommonJS
// dependency) has two copies of every module. What must be shared between them is: error
// identity (matched by `code`), decorator metadata and the adapters' wrapper registry, and the
// per-request context requireToken hands to later middleware.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import express from 'express'
import * as esmCore from '@portcullis/core'
import * as esmExpress from '@portcullis/express'
import { createIssuer } from '@portcullis/testing'

const require = createRequire(import.meta.url)
const cjsCore = require('@portcullis/core')
const cjsExpress = require('@portcullis/express')
const cjsKoa = require('@portcullis/koa')

// Two builds are really loaded.
assert.notEqual(esmCore.isPortcullisError, cjsCore.isPortcullisError)
assert.match(import.meta.resolve('@portcullis/core'), /dist\/esm\/index\.js$/)
assert.match(require.resolve('@portcullis/core'), /dist[\\/]cjs[\\/]index\.js$/)

// Errors of one build are recognised by the other.
assert.equal(cjsCore.isPortcullisError(esmCore.configurationError('x')), true)
assert.equal(esmCore.isPortcullisError(cjsCore.configurationError('x')), true)

// Decorators: what the ESM build records, the CommonJS build reads, and stacking decorators of
// two adapters is refused across builds too.
function context(name) {
  return { kind: 'method', name, private: false, static: false, metadata: {}, addInitializer() {}, access: { has: () => true, get: () => undefined } }
}
const shown = context('show')
const wrapped = esmExpress.RequireScope('documents:read')(function show() {}, shown)
assert.equal(cjsCore.routeRequirements(shown.metadata, 'show').length, 1)
assert.throws(() => cjsKoa.RequireScope('documents:read')(wrapped, context('show')), (error) => cjsCore.isPortcullisError(error) && /stacked/.test(error.message))

// requireToken of the ESM build, requireScope of the CommonJS build: the challenge keeps the
// realm requireToken was configured with.
const issuer = await createIssuer()
const app = express()
app.use(esmExpress.requireToken({ issuer: issuer.issuer, audience: issuer.audience, realm: 'orders' }))
app.get('/orders', cjsExpress.requireScope('orders:read'), (req, res) => res.json({ sub: req.auth.subject }))
const server = app.listen(0, '127.0.0.1')
await new Promise((resolve) => server.once('listening', resolve))
try {
  const url = `http://127.0.0.1:${server.address().port}/orders`
  const ok = await fetch(url, { headers: { authorization: `Bearer ${await issuer.mint({ scope: 'orders:read' })}` } })
  assert.equal(ok.status, 200)
  const denied = await fetch(url, { headers: { authorization: `Bearer ${await issuer.mint({ scope: 'other' })}` } })
  assert.equal(denied.status, 403)
  assert.match(denied.headers.get('www-authenticate'), /^Bearer realm="orders", error="insufficient_scope"/)
} finally {
  server.close()
  await issuer.close()
}
console.log('ESM and CommonJS in one process: ok')
