import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import net from 'node:net'

/** The shared test Redis (127.0.0.1:6379, started by .ci/run when it is not running). */
export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379'

/** A prefix no other test uses, so that suites never see each other's keys. */
export function uniquePrefix(): string {
  return `test-${randomUUID()}`
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/** Whether a Redis (server or sentinel) answers PING on `port`. */
export async function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('error', () => resolve(false))
    socket.once('data', (data) => {
      socket.destroy()
      resolve(data.toString().startsWith('+PONG'))
    })
    socket.write('PING\r\n')
  })
}

/** A throwaway redis-server on a free port, for outage tests: kill it, pause it, start it again. */
export class TestRedisServer {
  #child: ChildProcess | undefined
  private constructor(readonly port: number) {}

  static async start(): Promise<TestRedisServer> {
    const server = new TestRedisServer(await freePort())
    await server.restart()
    return server
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  async restart(): Promise<void> {
    this.#child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    for (let i = 0; i < 100; i++) {
      if (await answers(this.port)) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`redis-server did not start on port ${this.port}`)
  }

  async stop(): Promise<void> {
    const child = this.#child
    if (child === undefined || child.exitCode !== null) return
    this.resume()
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.kill('SIGKILL')
    })
    this.#child = undefined
  }

  pause(): void {
    this.#child?.kill('SIGSTOP')
  }

  resume(): void {
    this.#child?.kill('SIGCONT')
  }
}

/** Polls `condition` until it holds or `ms` pass. */
export async function eventually(condition: () => boolean | Promise<boolean>, ms = 5000, message = 'condition'): Promise<void> {
  const end = Date.now() + ms
  for (;;) {
    if (await condition()) return
    if (Date.now() > end) throw new Error(`${message} did not hold within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
