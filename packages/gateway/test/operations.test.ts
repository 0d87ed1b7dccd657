import { afterEach, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createIssuer } from '@portcullis/testing'
import { meant, nginxAsk, rulesYaml, send, startFixture, type Fixture } from './fixture.js'
import { freePort } from './proxies.js'

describe('readiness: the issuers keys are loaded', () => {
  let f: Fixture | undefined
  afterEach(async () => {
    await f?.close()
    f = undefined
  })

  it('is ready once the JWKS was fetched, before any token was presented', async () => {
    f = await startFixture()
    let res = await send(f.port, '/ready', {})
    for (let i = 0; i < 50 && res.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 20))
      res = await send(f.port, '/ready', {})
    }
    expect(res.status).toBe(200)
    expect(f.issuer.stats.jwks).toBeGreaterThanOrEqual(1)
    // The placeholder used to load the keys never authenticates anything.
    expect((await nginxAsk(f.port, 'GET', '/docs/eng-1')).status).toBe(401)
  })

  it('is not ready while the JWKS cannot be fetched; /health still answers', async () => {
    const port = await freePort()
    f = await startFixture(rulesYaml(), `  jwksUri: http://127.0.0.1:${port}/jwks\n`)
    await new Promise((r) => setTimeout(r, 50))
    const res = await send(f.port, '/ready', {})
    expect(res.status).toBe(503)
    expect(JSON.parse(res.text).status).toBe('keys_not_loaded')
    expect((await send(f.port, '/health', {})).status).toBe(200)
    // Tokens cannot be checked: 503, never an allow (to nginx: a 403 naming the 503).
    const token = await f.token('docs:read')
    const refused = await nginxAsk(f.port, 'GET', '/docs/eng-1', { authorization: `Bearer ${token}` })
    expect([refused.status, meant(refused), refused.headers['retry-after']]).toEqual([403, 503, expect.any(String)])
  })
})

describe('the portcullis-gateway command', () => {
  const cli = fileURLToPath(new URL('../dist/esm/cli.js', import.meta.url))
  let dir = ''
  afterEach(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true })
  })

  function run(args: string[]): { child: ReturnType<typeof spawn>; output: () => string; exit: Promise<number | null> } {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let text = ''
    child.stdout?.on('data', (d: Buffer) => (text += d.toString()))
    child.stderr?.on('data', (d: Buffer) => (text += d.toString()))
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    return { child, output: () => text, exit }
  }

  it('is built (npm test builds before testing)', () => {
    expect(existsSync(cli)).toBe(true)
  })

  it('serves, then stops gracefully on SIGTERM with status 0', async () => {
    const issuer = await createIssuer()
    dir = mkdtempSync(join(tmpdir(), 'portcullis-gateway-cli-'))
    const file = join(dir, 'gateway.yaml')
    writeFileSync(file, `token:\n  issuer: ${issuer.issuer}\n  audience: ${issuer.audience}\nrules:\n  - path: /open\n    token: none\n  - path: /closed\n`)
    const port = await freePort()
    const { child, output, exit } = run(['--config', file, '--port', String(port), '--audit'])
    try {
      let health = 0
      for (let i = 0; i < 100 && health !== 200; i++) {
        await new Promise((r) => setTimeout(r, 50))
        health = await send(port, '/health', {}).then((r) => r.status, () => 0)
      }
      expect(health).toBe(200)
      expect((await send(port, '/auth/nginx', { 'x-original-method': 'GET', 'x-original-uri': '/open' })).status).toBe(200)
      expect((await send(port, '/auth/nginx', { 'x-original-method': 'GET', 'x-original-uri': '/closed' })).status).toBe(401)
      const missing = (): string | undefined => output().split('\n').find((line) => line.includes('"authn_login_fail"') && line.includes('"missing"'))
      for (let i = 0; i < 50 && missing() === undefined; i++) await new Promise((r) => setTimeout(r, 20))
      expect(missing()).toBeDefined()
      child.kill('SIGTERM')
      expect(await exit).toBe(0)
      expect(output()).toContain('SIGTERM')
    } finally {
      child.kill('SIGKILL')
      await issuer.close()
    }
  })

  it('exits 2 naming the file, line and field of a bad configuration', async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-gateway-cli-'))
    const file = join(dir, 'gateway.yaml')
    writeFileSync(file, 'token:\n  issuer: https://id.example.com/\n  audience: api\nrules:\n  - path: /a\n    methds: [GET]\n')
    const { output, exit } = run(['--config', file])
    expect(await exit).toBe(2)
    expect(output()).toContain(`${file}:6: rules[0].methds: is not a setting`)
  })
})
