import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { answers } from './redis-server.js'

// Every process a test started, killed when the test process exits however it exits, so that a
// failed or interrupted suite leaves no redis-server behind.
const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/**
 * A group of redis-server processes (cluster nodes, a master, replicas, sentinels) sharing a
 * temporary directory; `stop()` kills them all and removes the directory.
 */
export class RedisProcesses {
  readonly #children = new Map<number, ChildProcess>()
  private constructor(readonly dir: string) {}

  static async create(): Promise<RedisProcesses> {
    return new RedisProcesses(await mkdtemp(join(tmpdir(), 'portcullis-redis-')))
  }

  /** Starts `redis-server <args>` listening on `port` and waits until it answers PING. */
  async start(port: number, args: string[]): Promise<void> {
    const child = spawn('redis-server', args, { stdio: 'ignore', cwd: this.dir })
    running.add(child)
    child.once('exit', () => running.delete(child))
    this.#children.set(port, child)
    for (let i = 0; i < 200; i++) {
      if (child.exitCode !== null) throw new Error(`redis-server ${args.join(' ')} exited with ${child.exitCode}`)
      if (await answers(port)) return
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    throw new Error(`redis-server did not start on port ${port}`)
  }

  /** Kills the process listening on `port` (SIGKILL: a crash, no goodbye to clients). */
  async kill(port: number): Promise<void> {
    const child = this.#children.get(port)
    this.#children.delete(port)
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.kill('SIGKILL')
    })
  }

  /** Kills every process and removes the directory; safe to call twice. */
  async stop(): Promise<void> {
    await Promise.all([...this.#children.keys()].map((port) => this.kill(port)))
    await rm(this.dir, { recursive: true, force: true })
  }
}

/** Runs a command to completion, rejecting with its output when it fails. */
export function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('error', reject)
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} failed (${code}): ${output}`))))
  })
}
