import { createClient } from 'redis'
import { RedisProcesses } from './redis-processes.js'
import { freePort } from './redis-server.js'

/**
 * A Redis Cluster of three masters (no replicas) on free ports, each node in its own
 * `redis-server --cluster-enabled yes` process. The nodes are joined with the commands
 * `redis-cli --cluster create` sends (ADDSLOTSRANGE, SET-CONFIG-EPOCH, MEET) but without its
 * one-second polling, which keeps startup near the two seconds a new master waits before it
 * declares the cluster writable.
 */
export class TestRedisCluster {
  private constructor(
    readonly ports: number[],
    readonly processes: RedisProcesses,
  ) {}

  static async start(masters = 3): Promise<TestRedisCluster> {
    const processes = await RedisProcesses.create()
    try {
      const ports: number[] = []
      for (let i = 0; i < masters; i++) ports.push(await freePort())
      await Promise.all(
        ports.map((port) =>
          processes.start(port, [
            '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
            '--cluster-config-file', `${processes.dir}/nodes-${port}.conf`, '--cluster-node-timeout', '2000',
            '--save', '', '--appendonly', 'no', '--daemonize', 'no',
          ]),
        ),
      )
      const cluster = new TestRedisCluster(ports, processes)
      const share = Math.ceil(16384 / masters)
      await Promise.all(
        ports.map((port, i) =>
          cluster.command(port, async (node) => {
            await node.sendCommand(['CLUSTER', 'ADDSLOTSRANGE', String(i * share), String(Math.min(16383, (i + 1) * share - 1))])
            await node.sendCommand(['CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1)])
          }),
        ),
      )
      await cluster.command(ports[0] as number, async (node) => {
        for (const port of ports.slice(1)) await node.sendCommand(['CLUSTER', 'MEET', '127.0.0.1', String(port)])
      })
      await cluster.#waitForState()
      return cluster
    } catch (error) {
      await processes.stop()
      throw error
    }
  }

  /** What `createCluster({ rootNodes })` takes. */
  get rootNodes(): Array<{ url: string }> {
    return this.ports.map((port) => ({ url: `redis://127.0.0.1:${port}` }))
  }

  /** Runs `use` with a plain client connected to one node. */
  async command<T>(port: number, use: (node: ReturnType<typeof createClient>) => Promise<T>): Promise<T> {
    const node = createClient({ url: `redis://127.0.0.1:${port}` })
    node.on('error', () => undefined)
    await node.connect()
    try {
      return await use(node)
    } finally {
      node.destroy()
    }
  }

  /** Kills every node and removes the temporary directory. */
  stop(): Promise<void> {
    return this.processes.stop()
  }

  // Every node must see every slot served before a client may rely on the slot map.
  async #waitForState(): Promise<void> {
    for (let i = 0; i < 400; i++) {
      const states = await Promise.all(this.ports.map((port) => this.command(port, (node) => node.sendCommand(['CLUSTER', 'INFO']))))
      if (states.every((info) => String(info).includes('cluster_state:ok'))) return
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    throw new Error('the test cluster did not reach cluster_state:ok')
  }
}
