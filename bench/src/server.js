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

  // Observability cost (BENCH_OBSERVABILITY=1): plain express-portcullis plus one feature each.
  async 'express-portcullis-ratelimit'() {
    return portcullisExpress(undefined, false, 'ratelimit')
  },

  async 'express-portcullis-metrics'() {
    return portcullisExpress(undefined, false, 'metrics')
  },

  async 'express-portcullis-tracing'() {
    return portcullisExpress(undefined, false, 'tracing')
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

  async 'koa-portcullis-ratelimit'() {
    return portcullisKoa(undefined, false, 'ratelimit')
  },

  async 'koa-portcullis-metrics'() {
    return portcullisKoa(undefined, false, 'metrics')
  },

  async 'koa-portcullis-tracing'() {
    return portcullisKoa(undefined, false, 'tracing')
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

  async 'fastify-bare'() {
    const app = await fastifyApp()
    app.get('/orders', async () => ({ ok: true }))
    return fastifyListener(app)
  },

  async 'fastify-portcullis'() {
    return portcullisFastify(undefined)
  },

  async 'fastify-portcullis-nocache'() {
    return portcullisFastify(false)
  },

  async 'fastify-portcullis-policy'() {
    return portcullisFastify(undefined, true)
  },

  async 'fastify-portcullis-ratelimit'() {
    return portcullisFastify(undefined, false, 'ratelimit')
  },

  async 'fastify-portcullis-metrics'() {
    return portcullisFastify(undefined, false, 'metrics')
  },

  async 'fastify-portcullis-tracing'() {
    return portcullisFastify(undefined, false, 'tracing')
  },

  // @fastify/jwt with get-jwks, as the @fastify/jwt README's "Verifying with JWKS" recipe, plus
  // the issuer allow-list of get-jwks and fast-jwt's issuer, audience and algorithm checks.
  // get-jwks converts keys with jwk-to-pem, which has no OKP keys: no EdDSA (skipped by run.js).
  async 'fastify-jwt'() {
    const { default: fastifyJwt } = await import('@fastify/jwt')
    const { default: buildGetJwks } = await import('get-jwks')
    const getJwks = buildGetJwks({ issuersWhitelist: [issuer], jwksPath: jwksUri.slice(issuer.replace(/\/$/, '').length) })
    const app = await fastifyApp()
    await app.register(fastifyJwt, {
      decode: { complete: true },
      secret: (request, token) => getJwks.getPublicKey({ kid: token.header.kid, domain: token.payload.iss, alg: token.header.alg }),
      verify: { allowedIss: issuer, allowedAud: audience, algorithms: [alg] },
    })
    app.addHook('onRequest', async (request, reply) => {
      try {
        await request.jwtVerify()
      } catch {
        return reply.code(401).send()
      }
    })
    app.get('/orders', async (request, reply) => {
      if (!hasScope(request.user?.scope)) return reply.code(403).send()
      return { ok: true, sub: request.user.sub }
    })
    return fastifyListener(app)
  },

  async 'fastify-jose'() {
    const { createRemoteJWKSet, jwtVerify } = await import('jose')
    const jwks = createRemoteJWKSet(new URL(jwksUri))
    const app = await fastifyApp()
    app.decorateRequest('auth', null)
    app.addHook('onRequest', async (request, reply) => {
      const header = request.headers.authorization
      if (header === undefined || !header.startsWith('Bearer ')) return reply.code(401).send()
      try {
        request.auth = (await jwtVerify(header.slice(7), jwks, { issuer, audience, algorithms: [alg] })).payload
      } catch {
        return reply.code(401).send()
      }
    })
    app.get('/orders', async (request, reply) => {
      if (!hasScope(request.auth?.scope)) return reply.code(403).send()
      return { ok: true, sub: request.auth.sub }
    })
    return fastifyListener(app)
  },
}

async function portcullisExpress(cache, withPolicy = false, feature = undefined) {
  const { default: express } = await import('express')
  const { requireToken, requireScope, requirePolicy, rateLimit } = await import('@portcullis/express')
  const app = express()
  app.use(requireToken({ issuer, audience, jwksUri, algorithms: [alg], ...(cache === false ? { cache } : {}), ...(await observed(feature)) }))
  const guards = [requireScope(SCOPE)]
  // "-policy": the scope check plus a 20-rule ABAC policy (bench/src/policy.js).
  if (withPolicy) guards.push(requirePolicy(await benchPolicy(), { action: 'read', resource: (await import('./policy.js')).loadOrder }))
  if (feature === 'ratelimit') guards.push(rateLimit(GENEROUS_LIMIT))
  app.get('/orders', ...guards, (req, res) => res.json({ ok: true, sub: req.auth?.subject }))
  return app
}

async function benchPolicy() {
  const { createPolicyEngine, loadPolicyDocument } = await import('@portcullis/policy')
  const { benchPolicyDocument } = await import('./policy.js')
  return createPolicyEngine(loadPolicyDocument(benchPolicyDocument()))
}

async function portcullisKoa(cache, withPolicy = false, feature = undefined) {
  const { default: Koa } = await import('koa')
  const { requireToken, requireScope, requirePolicy, rateLimit } = await import('@portcullis/koa')
  const app = new Koa()
  app.use(requireToken({ issuer, audience, jwksUri, algorithms: [alg], ...(cache === false ? { cache } : {}), ...(await observed(feature)) }))
  // Every request of the bench is GET /orders; "-policy" adds the 20-rule policy after the scope.
  app.use(requireScope(SCOPE))
  if (withPolicy) app.use(requirePolicy(await benchPolicy(), { action: 'read', resource: (await import('./policy.js')).loadOrder }))
  if (feature === 'ratelimit') app.use(rateLimit(GENEROUS_LIMIT))
  app.use((ctx) => {
    if (ctx.path === '/orders') ctx.body = { ok: true, sub: ctx.state.auth?.subject }
  })
  return app.callback()
}

// The Fastify scenarios as the @portcullis/fastify README shows them: the plugin with `token`
// (requireToken as a preHandler hook, errorHandler installed), requireScope on the route.
async function portcullisFastify(cache, withPolicy = false, feature = undefined) {
  const { portcullis, requireScope, requirePolicy, rateLimit } = await import('@portcullis/fastify')
  const app = await fastifyApp()
  await app.register(portcullis, { token: { issuer, audience, jwksUri, algorithms: [alg], ...(cache === false ? { cache } : {}), ...(await observed(feature)) } })
  const preHandler = [requireScope(SCOPE)]
  if (withPolicy) preHandler.push(requirePolicy(await benchPolicy(), { action: 'read', resource: (await import('./policy.js')).loadOrder }))
  if (feature === 'ratelimit') preHandler.push(rateLimit(GENEROUS_LIMIT))
  app.get('/orders', { preHandler }, async (request) => ({ ok: true, sub: request.auth?.subject }))
  return fastifyListener(app)
}

// Fastify builds its own server: `serverFactory` hands over its request handler, which the
// common node:http server below then serves, as for Express and Koa. Logging off (the default).
let fastifyHandler
async function fastifyApp() {
  const { default: Fastify } = await import('fastify')
  return Fastify({
    serverFactory(handler) {
      fastifyHandler = handler
      return createServer()
    },
  })
}

async function fastifyListener(app) {
  await app.ready()
  return fastifyHandler
}

// "-ratelimit": per subject, in the default memory store; the limit is far above what a run
// can send, so every request is counted and none is refused.
const GENEROUS_LIMIT = { key: 'subject', points: 1_000_000_000, duration: 60 }

// The requireToken options of "-metrics" and "-tracing" (none for the other scenarios).
async function observed(feature) {
  if (feature === 'metrics') {
    // prom-client metrics on a registry of their own, as an application would expose them.
    const { default: client } = await import('prom-client')
    const { createMetrics } = await import('@portcullis/core')
    return { metrics: createMetrics({ client, registry: new client.Registry() }) }
  }
  if (feature === 'tracing') {
    // A real OpenTelemetry SDK: every verification span recorded (default sampler) and batched
    // by a BatchSpanProcessor (default queue and batch sizes) to an exporter that discards them.
    const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base')
    if (process.env.BENCH_TRACING_CONTEXT === '1') {
      // Optional: the AsyncLocalStorage context manager a NodeSDK installs (its cost is the
      // whole application's, not only the verification's).
      const { context } = await import('@opentelemetry/api')
      const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks')
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
    }
    const discard = { export: (spans, done) => done({ code: 0 }), shutdown: () => Promise.resolve() }
    const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard)] })
    return { tracer: provider.getTracer('bench') }
  }
  return {}
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
