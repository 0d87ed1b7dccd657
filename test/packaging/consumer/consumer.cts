// A TypeScript CommonJS module (.cts): under node16/nodenext it must get the `require` types.
import express from 'express'
import Koa from 'koa'
import { isPortcullisError, type Identity } from '@portcullis/core'
import { createPolicyEngine, permit, policy, type PolicyAttributes } from '@portcullis/policy'
import { requirePolicy, requireScope, requireToken } from '@portcullis/express'
import * as koaAdapter from '@portcullis/koa'
import * as fastifyAdapter from '@portcullis/fastify'
import { createCertificateAuthority, createIssuer, type LocalIssuer } from '@portcullis/testing'

type Doc = { owner: string }
const documents = createPolicyEngine(
  policy({ id: 'documents', rules: [permit<PolicyAttributes<Doc>>('owner', { when: (a) => a.subject.claims.sub === a.resource.owner })] }),
)

export async function main(): Promise<string> {
  const issuer: LocalIssuer = await createIssuer()
  const app = express()
  app.use(requireToken({ issuer: issuer.issuer, audience: issuer.audience }))
  app.get('/docs/:id', requireScope('docs:read'), requirePolicy(documents, { action: 'read', resource: (req) => ({ owner: String(req.params['id']) }) }), (req, res) => {
    const identity: Identity | undefined = req.auth
    res.json({ sub: identity?.subject })
  })
  const koa = new Koa()
  koa.use(koaAdapter.requireToken({ issuer: issuer.issuer, audience: issuer.audience }))
  koa.use((ctx) => {
    const identity: Identity | undefined = ctx.state.auth
    ctx.body = identity?.subject ?? null
  })
  // The Fastify hook is built the same way (its types come from the same flavour of the build).
  const fastifyHook = fastifyAdapter.requireToken({ issuer: issuer.issuer, audience: issuer.audience })
  if (typeof fastifyHook !== 'function') throw new Error('@portcullis/fastify: requireToken did not return a hook')
  let configurationRejected = false
  try {
    requireScope([])
  } catch (error) {
    configurationRejected = isPortcullisError(error) && error.code === 'invalid_configuration'
  }
  const client = createCertificateAuthority().issueClient('alice')
  await issuer.close()
  return `cts ${typeof app} ${typeof koa.callback()} ${configurationRejected} ${client.x509.subject}`
}

main().then(
  (line) => console.log(line),
  (error: unknown) => {
    console.error(error)
    process.exitCode = 1
  },
)
