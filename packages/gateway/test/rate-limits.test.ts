/**
 * Rate limits in the configuration: validated with file, line and field; the core's
 * requirement counts per rule; the nginx endpoint tunnels the 429; counters survive a reload
 * of an unchanged rule.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createGateway } from '@portcullis/gateway'
import { forwardAsk, meant, nginxAsk, startFixture, type Fixture } from './fixture.js'

const head = 'token:\n  issuer: https://id.example.com/\n  audience: https://api.example.com\n'

async function loadError(text: string): Promise<{ file: string; message: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-gateway-'))
  const file = join(dir, 'gw.yaml')
  try {
    writeFileSync(file, text)
    let message = ''
    await createGateway({ config: file, watch: false }).then((g) => g.close(), (e: Error) => (message = e.message))
    return { file, message }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('rateLimit in the configuration', () => {
  it('shape errors carry file, line and field', async () => {
    const { file, message } = await loadError(`${head}rules:
  - path: /a
    rateLimit:
      key: { header: x }
      points: 5
      duration: 60
      burst: 3
`)
    expect(message).toContain(`${file}:7: rules[0].rateLimit.key: must be subject, client, ip or { claim: name }`)
    expect(message).toContain(`${file}:10: rules[0].rateLimit.burst: is not a setting`)
  })

  it('values the core refuses are reported at their field, and a bad default once', async () => {
    const { file, message } = await loadError(`${head}rateLimit: { points: 0, duration: 60 }
rules:
  - path: /b
    rateLimit:
      tiers:
        - { when: { scope: pro }, points: 10, duration: 99999 }
        - { points: 1, duration: 60 }
  - path: /c
  - path: /d
  - path: /e
    rateLimit: false
`)
    expect(message).toContain(`${file}:9: rules[0].rateLimit.tiers[0].duration:`)
    expect(message.split('\n').filter((line) => line.includes(': rateLimit.points:'))).toEqual([expect.stringContaining(`${file}:4: rateLimit.points:`)])
  })

  it('a limit without points or a window is refused', async () => {
    const { file, message } = await loadError(`${head}rules:\n  - path: /a\n    rateLimit: { key: client }\n`)
    expect(message).toContain(`${file}:6: rules[0].rateLimit: points is required`)
    expect(message).toContain(`${file}:6: rules[0].rateLimit: duration (seconds) is required`)
  })
})

describe('rate limited rules', () => {
  let f: Fixture | undefined
  afterEach(async () => {
    await f?.close()
    f = undefined
  })

  const rules = (points: number): string => `
rateLimit: { key: client, points: 1, duration: 30 }
rules:
  - name: search
    path: /search
    rateLimit:
      tiers:
        - { when: { scope: tier:pro }, points: 3, duration: 60, name: pro }
        - { points: ${points}, duration: 60 }
  - name: other
    path: /other
  - name: open
    path: /open
    token: none
    rateLimit: { key: ip, points: 1, duration: 10 }
`

  it('counts per rule and tier, answers 429 with the fields, and nginx gets a 403 naming the 429', async () => {
    f = await startFixture(rules(2))
    const basic = { authorization: `Bearer ${await f.token('search')}` }
    const ok = await forwardAsk(f.port, 'GET', '/search', basic)
    expect([ok.status, ok.headers['ratelimit'], ok.headers['ratelimit-policy']]).toEqual([200, '"default";r=1;t=60', '"default";q=2;w=60'])
    expect((await forwardAsk(f.port, 'GET', '/search', basic)).status).toBe(200)
    const over = await forwardAsk(f.port, 'GET', '/search', basic)
    expect([over.status, over.headers['retry-after'], JSON.parse(over.text).error]).toEqual([429, '60', 'rate_limited'])
    const viaNginx = await nginxAsk(f.port, 'GET', '/search', basic)
    expect([viaNginx.status, meant(viaNginx), viaNginx.headers['ratelimit'], viaNginx.headers['retry-after']]).toEqual([403, 429, '"default";r=0;t=60', '60'])
    expect(JSON.parse(viaNginx.headers['x-portcullis-error'] as string).error).toBe('rate_limited')
    // The pro tier has its own limit; another rule uses the top-level default, keyed by client.
    const pro = { authorization: `Bearer ${await f.token('search tier:pro')}` }
    expect((await forwardAsk(f.port, 'GET', '/search', pro)).headers['ratelimit']).toBe('"pro";r=2;t=60')
    expect((await forwardAsk(f.port, 'GET', '/other', basic)).status).toBe(200)
    const otherUser = { authorization: `Bearer ${await f.token('x', { sub: 'someone-else' })}` }
    expect((await forwardAsk(f.port, 'GET', '/other', otherUser)).status).toBe(429)
    // Public rules count by address.
    expect((await forwardAsk(f.port, 'GET', '/open')).status).toBe(200)
    expect((await forwardAsk(f.port, 'GET', '/open')).status).toBe(429)
  })

  it('a reload keeps the counters of unchanged rules and resets a changed one', async () => {
    f = await startFixture(rules(2))
    const basic = { authorization: `Bearer ${await f.token('search')}` }
    for (let i = 0; i < 2; i++) expect((await forwardAsk(f.port, 'GET', '/search', basic)).status).toBe(200)
    expect((await forwardAsk(f.port, 'GET', '/other', basic)).status).toBe(200)
    // Unchanged file: the counts go on.
    expect(await f.gateway.reload()).toBe(true)
    expect((await forwardAsk(f.port, 'GET', '/search', basic)).status).toBe(429)
    expect((await forwardAsk(f.port, 'GET', '/other', basic)).status).toBe(429)
    // A new limit for search: a new count there only.
    const text = (await import('node:fs')).readFileSync(f.file, 'utf8')
    writeFileSync(f.file, text.replace('- { points: 2, duration: 60 }', '- { points: 5, duration: 60 }'))
    expect(await f.gateway.reload()).toBe(true)
    expect((await forwardAsk(f.port, 'GET', '/search', basic)).headers['ratelimit']).toBe('"default";r=4;t=60')
    expect((await forwardAsk(f.port, 'GET', '/other', basic)).status).toBe(429)
  })
})
