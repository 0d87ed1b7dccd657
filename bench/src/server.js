// One benchmarked server, run in its own process (pinned to a core by run.js).
// Usage: node server.js <scenario>, with BENCH_ISSUER, BENCH_AUDIENCE, BENCH_JWKS_URI, BENCH_ALG.
// Prints "ready <port>" on stdout; answers the IPC message "stats" with CPU time and RSS.
// Every protected scenario does the same work: verify the bearer token against the JWKS of the
// local issuer (issuer, audience, algorithm, exp) and require the scope "bench:read".
import { createServer } from 'node:http'

const [scenario] = process.argv.slice(2)
const issuer = process.env.BENCH_ISSUER
const audience = process.env.BENCH_AUDIENCE
const jwksUri = process.env.BENCH_JWKS_URI
const alg = process.env.BENCH_ALG ?? 'RS256'
const SCOPE = 'bench:read'

function hasScope(scope) {
  return typeof scope === 'string' && scope.split(' ').includes(SCOPE)
}

/** @type {Record<string, () => Promise<import('node:http').RequestListener>>} */
const scenarios = {
  async 'express-bare'() {
    const { default: express } = await import('express')
    const app = express()
    app.get('/orders', (req, res) => res.json({ ok: true }))
    return app
  },

  async 'express-portcullis'() {
    return portcullisExpress(undefined)
  },

  async 'express-portcullis-nocache'() {
    return portcullisExpress(false)
  },

  async 'express-portcullis-policy'() {
    return portcullisExpress(undefined, true)
  },

  async 'express-auth0'() {
    const { default: express } = await import('express')
    const { auth, requiredScopes } = await import('express-oauth2-jwt-bearer')
    const app = express()
    app.use(auth({ issuer, audience, jwksUri, tokenSigningAlg: alg }))
    app.get('/orders', requiredScopes(SCOPE), (req, res) => res.json({ ok: true, sub: req.auth?.payload.sub }))
    return app
  },

  async 'express-jwt'() {
    const { default: express } = await import('express')
    const { expressjwt } = await import('express-jwt')
    const { default: jwksRsa } = await import('jwks-rsa')
    const app = express()
    app.use(
      expressjwt({
        secret: jwksRsa.expressJwtSecret({ jwksUri, cache: true, rateLimit: true }),
        issuer,
        audience,
        algorithms: [alg],
      }),
    )
    app.get('/orders', (req, res) => {
      if (!hasScope(req.auth?.scope)) return res.status(403).end()
      res.json({ ok: true, sub: req.auth?.sub })
    })
    return app
  },

  async 'express-jose'() {
    const { default: express } = await import('express')
    const { createRemoteJWKSet, jwtVerify } = await import('jose')
    const jwks = createRemoteJWKSet(new URL(jwksUri))
    const app = express()
    app.use((req, res, next) => {
      const header = req.headers.authorization
      if (header === undefined || !header.startsWith('Bearer ')) return res.status(401).end()
      jwtVerify(header.slice(7), jwks, { issuer, audience, algorithms: [alg] }).then(
        ({ payload }) => {
          req.auth = payload
          next()
        },
        () => res.status(401).end(),
      )
    })
    app.get('/orders', (req, res) => {
      if (!hasScope(req.auth?.scope)) return res.status(403).end()
      res.json({ ok: true, sub: req.auth?.sub })
    })
    return app
  },

  async 'koa-bare'() {
    const { default: Koa } = await import('koa')
    const app = new Koa()
    app.use((ctx) => {
      if (ctx.path === '/orders') ctx.body = { ok: true }
    })
    return app.callback()
  },

  async 'koa-portcullis'() {
    return portcullisKoa(undefined)
  },

  async 'koa-portcullis-nocache'() {
    return portcullisKoa(false)
  },

  async 'koa-portcullis-policy'() {
    return portcullisKoa(undefined, true)
  },

  async 'koa-jwt'() {
    const { default: Koa } = await import('koa')
    const { default: koaJwt } = await import('koa-jwt')
    const { default: jwksRsa } = await import('jwks-rsa')
    const app = new Koa()
    app.use(koaJwt({ secret: jwksRsa.koaJwtSecret({ jwksUri, cache: true, rateLimit: true }), issuer, audience, algorithms: [alg] }))
    app.use((ctx) => {
      if (!hasScope(ctx.state.user?.scope)) ctx.throw(403)
      if (ctx.path === '/orders') ctx.body = { ok: true, sub: ctx.state.user.sub }
    })
    return app.callback()
  },

  async 'koa-jose'() {
    const { default: Koa } = await import('koa')
    const { createRemoteJWKSet, jwtVerify } = await import('jose')
    const jwks = createRemoteJWKSet(new URL(jwksUri))
    const app = new Koa()
    app.use(async (ctx, next) => {
      const header = ctx.get('authorization')
      if (!header.startsWith('Bearer ')) ctx.throw(401)
      try {
        ctx.state.auth = (await jwtVerify(header.slice(7), jwks, { issuer, audience, algorithms: [alg] })).payload
      } catch {
        ctx.throw(401)
      }
      await next()
    })
    app.use((ctx) => {
      if (!hasScope(ctx.state.auth?.scope)) ctx.throw(403)
      if (ctx.path === '/orders') ctx.body = { ok: true, sub: ctx.state.auth.sub }
    })
    return app.callback()
  },
}

async function portcullisExpress(cache, withPolicy = false) {
  const { default: express } = await import('express')
  const { requireToken, requireScope, requirePolicy } = await import('@portcullis/express')
  const app = express()
  app.use(requireToken({ issuer, audience, jwksUri, algorithms: [alg], ...(cache === false ? { cache } : {}) }))
  const guards = [requireScope(SCOPE)]
  // "-policy": the scope check plus a 20-rule ABAC policy (bench/src/policy.js).
  if (withPolicy) guards.push(requirePolicy(await benchPolicy(), { action: 'read', resource: (await import('./policy.js')).loadOrder }))
  app.get('/orders', ...guards, (req, res) => res.json({ ok: true, sub: req.auth?.subject }))
  return app
}

async function benchPolicy() {
  const { createPolicyEngine, loadPolicyDocument } = await import('@portcullis/core')
  const { benchPolicyDocument } = await import('./policy.js')
  return createPolicyEngine(loadPolicyDocument(benchPolicyDocument()))
}

async function portcullisKoa(cache, withPolicy = false) {
  const { default: Koa } = await import('koa')
  const { requireToken, requireScope, requirePolicy } = await import('@portcullis/koa')
  const app = new Koa()
  app.use(requireToken({ issuer, audience, jwksUri, algorithms: [alg], ...(cache === false ? { cache } : {}) }))
  // Every request of the bench is GET /orders; "-policy" adds the 20-rule policy after the scope.
  app.use(requireScope(SCOPE))
  if (withPolicy) app.use(requirePolicy(await benchPolicy(), { action: 'read', resource: (await import('./policy.js')).loadOrder }))
  app.use((ctx) => {
    if (ctx.path === '/orders') ctx.body = { ok: true, sub: ctx.state.auth?.subject }
  })
  return app.callback()
}

const build = scenarios[scenario]
if (build === undefined) {
  console.error(`unknown scenario ${scenario}; known: ${Object.keys(scenarios).join(', ')}`)
  process.exit(2)
}
const server = createServer(await build())
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`ready ${server.address().port}\n`)
})

process.on('message', (message) => {
  if (message === 'stats') {
    process.send?.({ cpu: process.cpuUsage(), rss: process.memoryUsage().rss })
  } else if (message === 'exit') {
    server.close()
    process.exit(0)
  }
})
process.on('disconnect', () => process.exit(0))
