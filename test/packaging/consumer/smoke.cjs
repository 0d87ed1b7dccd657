// A CommonJS consumer of the packed packages: run by Jest (cjs.test.cjs) and by plain Node
// (run-node.cjs). Every package must load its CommonJS build (dist/cjs), not require(esm),
// which Jest's CommonJS runtime cannot do.
'use strict'
const { X509Certificate } = require('node:crypto')
const express = require('express')
const Koa = require('koa')
const core = require('@portcullis/core')
const { createPolicyEngine, permit, policy } = require('@portcullis/policy')
const expressAdapter = require('@portcullis/express')
const koaAdapter = require('@portcullis/koa')
const { createCertificateAuthority, createIssuer, jwkThumbprint } = require('@portcullis/testing')

const PACKAGES = ['@portcullis/core', '@portcullis/policy', '@portcullis/express', '@portcullis/koa', '@portcullis/fastify', '@portcullis/testing']

const expected = {
  resolved: PACKAGES.map(() => 'dist/cjs/index.js'),
  portcullisError: true,
  express: [200, 'user-123', 403, 'Bearer realm="api", error="insufficient_scope", error_description="The access token does not have the required scope", scope="orders:read"', 401],
  expressPolicy: [200, 403],
  koa: [200, 'user-123', 403, 401],
  certificate: true,
  thumbprint: 43,
}

function listen(handler) {
  return new Promise((resolve) => {
    const server = require('node:http').createServer(handler)
    server.listen(0, '127.0.0.1', () => resolve(server))
  })
}

async function get(server, path, token) {
  const url = `http://127.0.0.1:${server.address().port}${path}`
  const response = await fetch(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
  const text = await response.text()
  return { status: response.status, text, challenge: response.headers.get('www-authenticate') }
}

async function smoke() {
  const resolved = PACKAGES.map((name) => require.resolve(name).split(/[\\/]/).slice(-3).join('/'))
  const issuer = await createIssuer()
  const servers = []
  try {
    const reader = await issuer.mint({ scope: 'orders:read' })
    const other = await issuer.mint({ scope: 'other' })

    const documents = createPolicyEngine(policy({ id: 'documents', rules: [permit('reader', { when: (a) => a.subject.claims.scope === 'orders:read' })] }))
    const app = express()
    app.use(expressAdapter.requireToken({ issuer: issuer.issuer, audience: issuer.audience }))
    app.get('/orders', expressAdapter.requireScope('orders:read'), (req, res) => res.json({ sub: req.auth.subject }))
    app.get('/documents', expressAdapter.requirePolicy(documents, { action: 'read' }), (_req, res) => res.json({}))
    app.use(expressAdapter.errorHandler())
    const expressServer = await listen(app)
    servers.push(expressServer)
    const ok = await get(expressServer, '/orders', reader)
    const denied = await get(expressServer, '/orders', other)
    const missing = await get(expressServer, '/orders')

    const koa = new Koa()
    koa.use(koaAdapter.requireToken({ issuer: issuer.issuer, audience: issuer.audience }))
    koa.use(koaAdapter.requireScope('orders:read'))
    koa.use((ctx) => {
      ctx.body = { sub: ctx.state.auth.subject }
    })
    const koaServer = await listen(koa.callback())
    servers.push(koaServer)
    const koaOk = await get(koaServer, '/', reader)

    let portcullisError = false
    try {
      expressAdapter.requireScope([])
    } catch (error) {
      portcullisError = core.isPortcullisError(error) && error.code === 'invalid_configuration'
    }

    const ca = createCertificateAuthority()
    return {
      resolved,
      portcullisError,
      express: [ok.status, JSON.parse(ok.text).sub, denied.status, denied.challenge, missing.status],
      expressPolicy: [(await get(expressServer, '/documents', reader)).status, (await get(expressServer, '/documents', other)).status],
      koa: [koaOk.status, JSON.parse(koaOk.text).sub, (await get(koaServer, '/', other)).status, (await get(koaServer, '/')).status],
      certificate: new X509Certificate(ca.issueClient('alice').der).subject === 'CN=alice',
      thumbprint: (await jwkThumbprint(issuer.keys[0])).length,
    }
  } finally {
    for (const server of servers) server.close()
    await issuer.close()
  }
}

module.exports = { expected, smoke }
