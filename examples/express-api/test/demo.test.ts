import { describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

// `npm start` runs this demo: it must start, print working curl commands, and stop on SIGTERM.
const demo = fileURLToPath(new URL('../dist/demo.js', import.meta.url))

describe('npm start (the demo)', () => {
  it('starts the issuer and the API and prints commands that behave as they say', async () => {
    const child = spawn(process.execPath, [demo], { env: { ...process.env, PORT: '0', NODE_ENV: 'test' } })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`demo did not start: ${output}`)), 10_000)
        child.stdout.on('data', () => {
          if (output.includes('Press Ctrl+C')) {
            clearTimeout(timer)
            resolve()
          }
        })
      })
      const curls = output.split('\n').filter((line) => line.startsWith('curl '))
      expect(curls).toHaveLength(5)
      const statuses: number[] = []
      let last = ''
      for (const line of curls) {
        const url = /(http:\/\/127\.0\.0\.1:\d+\/\S+)/.exec(line)?.[1] as string
        const token = /Bearer ([\w.-]+)/.exec(line)?.[1]
        const response = await fetch(url, {
          method: line.includes('-X POST') ? 'POST' : 'GET',
          headers: {
            ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
            'content-type': 'application/json',
          },
          ...(line.includes('-X POST') ? { body: JSON.stringify({ item: 'gear', quantity: 1 }) } : {}),
        })
        statuses.push(response.status)
        last = await response.text()
      }
      expect(statuses).toEqual([200, 403, 401, 401, 200])
      // The metrics route saw the four requests before it.
      expect(last).toContain('portcullis_token_verifications_total{outcome="accepted",reason="none"} 2')
      expect(last).toContain('portcullis_token_verifications_total{outcome="rejected",reason="expired"} 1')
      expect(last).toContain('portcullis_authz_decisions_total{requirement="scope",decision="deny"} 1')
    } finally {
      child.kill('SIGTERM')
    }
    const code = await new Promise((resolve) => child.on('exit', resolve))
    expect(code).toBe(0)
  })
})
