import { describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

// `npm start -w @portcullis/example-koa-api` runs this demo: it must start, print working curl commands, and stop on SIGTERM.
const demo = fileURLToPath(new URL('../dist/demo.js', import.meta.url))

/** A printed command and what its comment says it answers: `# ... (403 insufficient_scope)`. */
interface Printed {
  line: string
  status: number
  code: string | undefined
}

function printedCommands(output: string): Printed[] {
  const commands: Printed[] = []
  let expected: Omit<Printed, 'line'> | undefined
  for (const line of output.split('\n')) {
    const said = /^# .*\((\d{3})(?: ([a-z_]+))?/.exec(line)
    if (said !== null) expected = { status: Number(said[1]), code: said[2] === 'ok' || said[2]?.includes('_') ? said[2] : undefined }
    if (line.startsWith('curl ')) {
      if (expected === undefined) throw new Error(`no expected answer printed before: ${line}`)
      commands.push({ line, ...expected })
      expected = undefined
    }
  }
  return commands
}

/** Runs one printed curl command with fetch: method, URL, every -H header and the -d body. */
async function run(line: string): Promise<Response> {
  const url = /(http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(line)?.[1] as string
  const headers = Object.fromEntries([...line.matchAll(/-H '([^:']+): ([^']*)'/g)].map((match) => [match[1] as string, match[2] as string]))
  const body = /-d '([^']*)'/.exec(line)?.[1]
  return fetch(url, { method: /-X (\w+)/.exec(line)?.[1] ?? 'GET', headers, ...(body === undefined ? {} : { body }) })
}

describe('the Koa demo', () => {
  it('starts the issuer and the APIs and prints commands that answer as printed', async () => {
    const child = spawn(process.execPath, [demo], { env: { ...process.env, PORT: '0', NODE_ENV: 'test' } })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`demo did not start: ${output}`)), 15_000)
        child.stdout.on('data', () => {
          if (output.includes('Press Ctrl+C')) {
            clearTimeout(timer)
            resolve()
          }
        })
      })
      const commands = printedCommands(output)
      // Health, four scope answers, two policy answers and an explanation, three controller answers.
      expect(commands.map((command) => new URL(/(http:\S+)/.exec(command.line)?.[1] as string).pathname.split('/')[1])).toEqual([
        'health', 'orders', 'orders', 'orders', 'orders', 'documents', 'documents', 'decisions', 'settings', 'settings', 'settings',
      ])
      for (const command of commands) {
        const response = await run(command.line)
        const text = await response.text()
        expect({ line: command.line.slice(0, 80), status: response.status }).toEqual({ line: command.line.slice(0, 80), status: command.status })
        if (command.code === 'ok') expect(JSON.parse(text)).toMatchObject({ status: 'ok', issuers: [{ keys: 1 }] })
        else if (command.code !== undefined) expect(JSON.parse(text)).toMatchObject({ error: command.code })
        if (command.code === 'access_denied') expect(JSON.parse(text)).toHaveProperty('decision_id')
        if (command.code === 'insufficient_user_authentication') {
          expect(response.headers.get('www-authenticate')).toContain('acr_values="mfa", max_age="300"')
        }
        if (command.line.includes('/decisions/')) expect(JSON.parse(text)).toMatchObject({ decision: expect.stringMatching(/^Deny|^NotApplicable/) })
      }
    } finally {
      child.kill('SIGTERM')
    }
    const code = await new Promise((resolve) => child.on('exit', resolve))
    expect(code).toBe(0)
  })
})
