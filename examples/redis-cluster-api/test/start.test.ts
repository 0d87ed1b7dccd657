import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from '@jest/globals'

// `npm start -w @portcullis/example-redis-cluster-api` runs this: it must start both processes,
// print commands that behave as they say, and stop on SIGTERM.
const start = fileURLToPath(new URL('../dist/start.js', import.meta.url))

describe('npm start (two processes behind one Redis)', () => {
  it('prints curl commands: 200 on both, 204 revoke on one, 401 on the other', async () => {
    const child = spawn(process.execPath, [start], { env: { ...process.env, EXPRESS_PORT: '0', KOA_PORT: '0' } })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`demo did not start: ${output}`)), 20_000)
        child.stdout.on('data', () => {
          if (output.includes('Press Ctrl+C')) {
            clearTimeout(timer)
            resolve()
          }
        })
      })
      const commands = output.split('\n').filter((line) => line.startsWith('curl '))
      expect(commands).toHaveLength(4)
      const statuses: number[] = []
      for (const command of commands) {
        const url = /curl -i (?:-X POST )?(\S+)/.exec(command)?.[1] as string
        const headers: Record<string, string> = {}
        for (const [, name, value] of command.matchAll(/-H '([^:]+): ([^']+)'/g)) headers[name as string] = value as string
        const body = /-d '([^']+)'/.exec(command)?.[1]
        const send = (): Promise<Response> => fetch(url, { method: body === undefined ? 'GET' : 'POST', headers, ...(body === undefined ? {} : { body }) })
        let res = await send()
        // The revocation reaches the other process by pub/sub, usually before the next request;
        // allow it the local view's staleness bound (1 s) so that a loaded machine cannot flake.
        for (const until = Date.now() + 1000; statuses.length === 3 && res.status === 200 && Date.now() < until; ) res = await send()
        statuses.push(res.status)
      }
      expect(statuses).toEqual([200, 200, 204, 401])
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
    }
  })
})
