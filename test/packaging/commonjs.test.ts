import { describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

// The packages ship a CommonJS build beside the ESM one (the `require` condition of their
// `exports`). This runs a real CommonJS program against the built workspace packages (npm test
// builds them first); packages.test.ts does the same with the packed tarballs, also under Jest.
const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))

async function commonjs(source: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--no-warnings', '-e', source], { cwd: root, timeout: 15_000 })
  return stdout.trim()
}

describe('CommonJS consumers', () => {
  it.each([
    ['@portcullis/core', ['createAuthenticator', 'createScopeRequirement', 'isPortcullisError', 'PortcullisError']],
    ['@portcullis/express', ['requireScope', 'requireToken']],
    ['@portcullis/koa', ['requireScope', 'requireToken']],
    ['@portcullis/fastify', ['requireScope', 'requireToken']],
    ['@portcullis/testing', ['createIssuer', 'generateSigningKey', 'signRaw']],
  ])('require(%j) exposes the public API', async (name, exported) => {
    const out = await commonjs(`const m = require(${JSON.stringify(name)}); console.log(JSON.stringify(Object.keys(m)))`)
    const keys = JSON.parse(out) as string[]
    for (const key of exported) expect(keys).toContain(key)
  })

  it('an Express app written in CommonJS protects a route end to end', async () => {
    const out = await commonjs(`
      const express = require('express')
      const { requireToken, requireScope } = require('@portcullis/express')
      const { createIssuer } = require('@portcullis/testing')
      ;(async () => {
        const issuer = await createIssuer()
        const app = express()
        app.use(requireToken({ issuer: issuer.issuer, audience: issuer.audience }))
        app.get('/orders', requireScope('orders:read'), (req, res) => res.json({ sub: req.auth.subject }))
        const server = app.listen(0, '127.0.0.1', async () => {
          const url = 'http://127.0.0.1:' + server.address().port + '/orders'
          const ok = await fetch(url, { headers: { authorization: 'Bearer ' + (await issuer.mint({ scope: 'orders:read' })) } })
          const denied = await fetch(url, { headers: { authorization: 'Bearer ' + (await issuer.mint({ scope: 'other' })) } })
          console.log(JSON.stringify([ok.status, await ok.json(), denied.status, denied.headers.get('www-authenticate')]))
          server.close(); await issuer.close()
        })
      })()
      process.env.NODE_ENV = 'test'
    `)
    expect(JSON.parse(out.split('\n').pop() as string)).toEqual([
      200,
      { sub: 'user-123' },
      403,
      'Bearer realm="api", error="insufficient_scope", error_description="The access token does not have the required scope", scope="orders:read"',
    ])
  })
})
