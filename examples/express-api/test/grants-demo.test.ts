import { describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

// `npm run start:grants` runs this demo: it must start, show a pending request to the approver
// token it prints, and its curl command must be refused until the request is approved.
const demo = fileURLToPath(new URL('../dist/grants-demo.js', import.meta.url))

describe('npm run start:grants (the just-in-time access demo)', () => {
  it('starts, files a pending request the printed approver can approve, and the printed write then passes', async () => {
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
      const lines = output.split('\n')
      const base = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] as string
      const approver = lines[lines.findIndex((l) => l.startsWith('# Approvals page')) + 1] as string
      const write = lines.find((l) => l.startsWith('curl -i -X POST')) as string
      const developer = /Bearer ([\w.-]+)/.exec(write)?.[1] as string
      const post = (): Promise<Response> => fetch(`${base}/prod-db/orders`, { method: 'POST', headers: { authorization: `Bearer ${developer}` } })
      expect((await fetch(`${base}/approvals`)).status).toBe(200)
      expect((await post()).status).toBe(403)
      const pending = (await (await fetch(`${base}/grants/requests/approvable`, { headers: { authorization: `Bearer ${approver}` } })).json()) as { grants: { id: string; justification: string }[] }
      expect(pending.grants).toHaveLength(1)
      expect(pending.grants[0]?.justification).toMatch(/^INC-1234/)
      const approved = await fetch(`${base}/grants/requests/${pending.grants[0]?.id as string}/approve`, { method: 'POST', headers: { authorization: `Bearer ${approver}`, 'content-type': 'application/json' }, body: '{}' })
      expect(approved.status).toBe(200)
      expect((await post()).status).toBe(200)
    } finally {
      child.kill('SIGTERM')
    }
    const code = await new Promise((resolve) => child.on('exit', resolve))
    expect(code).toBe(0)
  })
})
