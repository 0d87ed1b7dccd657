import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** One running API process. */
export interface ApiProcess {
  readonly kind: 'express' | 'koa'
  readonly port: number
  readonly child: ChildProcess
  stop(): Promise<void>
}

/**
 * Starts one API process (`dist/express-server.js` or `dist/koa-server.js`) with `env` and
 * resolves once it listens. The same path works from `src/` (tests) and `dist/` (npm start).
 */
export function startApi(kind: 'express' | 'koa', env: Record<string, string>, timeoutMs = 15_000): Promise<ApiProcess> {
  const file = fileURLToPath(new URL(`../dist/${kind}-server.js`, import.meta.url))
  const child = spawn(process.execPath, [file], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${kind} did not start: ${output}`))
    }, timeoutMs)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${kind} exited with ${code}: ${output}`))
    })
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const line = output.split('\n').find((candidate) => candidate.startsWith('{'))
      if (line === undefined) return
      clearTimeout(timer)
      child.removeAllListeners('exit')
      const { port } = JSON.parse(line) as { port: number }
      resolve({
        kind,
        port,
        child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done()
            const kill = setTimeout(() => child.kill('SIGKILL'), 3000)
            child.once('exit', () => {
              clearTimeout(kill)
              done()
            })
            child.kill('SIGTERM')
          }),
      })
    })
  })
}
