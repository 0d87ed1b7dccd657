import { writeFile } from 'node:fs/promises'
import { RedisProcesses, run } from './redis-processes.js'
import { freePort } from './redis-server.js'

/** The name the sentinel monitors the master under. */
export const MASTER_NAME = 'mymaster'

/**
 * A Sentinel deployment on free ports: one master, one replica (`--replicaof`) and one sentinel
 * (quorum 1) with short down-after and failover timeouts, so that a failover takes seconds.
 */
export class TestRedisSentinel {
  private constructor(
    readonly masterPort: number,
    readonly replicaPort: number,
    readonly sentinelPort: number,
    readonly processes: RedisProcesses,
  ) {}

  static async start(): Promise<TestRedisSentinel> {
    const processes = await RedisProcesses.create()
    try {
      const [masterPort, replicaPort, sentinelPort] = [await freePort(), await freePort(), await freePort()] as [number, number, number]
      const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no']
      // Diskless full sync at once (the default waits 5 s for more replicas).
      await processes.start(masterPort, ['--port', String(masterPort), '--repl-diskless-sync-delay', '0', ...common])
      await processes.start(replicaPort, ['--port', String(replicaPort), '--replicaof', '127.0.0.1', String(masterPort), '--repl-diskless-sync-delay', '0', ...common])
      const conf = `${processes.dir}/sentinel-${sentinelPort}.conf`
      // The sentinel rewrites its configuration file: it lives in the temporary directory.
      await writeFile(
        conf,
        [
          `port ${sentinelPort}`,
          'bind 127.0.0.1',
          `dir ${processes.dir}`,
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 1`,
          `sentinel down-after-milliseconds ${MASTER_NAME} 300`,
          `sentinel failover-timeout ${MASTER_NAME} 2000`,
          '',
        ].join('\n'),
      )
      await processes.start(sentinelPort, [conf, '--sentinel'])
      const deployment = new TestRedisSentinel(masterPort, replicaPort, sentinelPort, processes)
      await deployment.waitForReplica(replicaPort)
      return deployment
    } catch (error) {
      await processes.stop()
      throw error
    }
  }

  /** What `createSentinel({ sentinelRootNodes })` takes. */
  get sentinelRootNodes(): Array<{ host: string; port: number }> {
    return [{ host: '127.0.0.1', port: this.sentinelPort }]
  }

  /** Runs `redis-cli -p <port> <args>`. */
  cli(port: number, ...args: string[]): Promise<string> {
    return run('redis-cli', ['-p', String(port), ...args])
  }

  /** The port of the master the sentinel names now. */
  async currentMasterPort(): Promise<number> {
    const reply = await this.cli(this.sentinelPort, 'sentinel', 'get-master-addr-by-name', MASTER_NAME)
    return Number(reply.trim().split('\n')[1])
  }

  /**
   * Waits until the sentinel knows the replica on `port` and the replica receives the master's
   * writes (a probe key written on the master arrives): only such a replica can be promoted,
   * and a link reported up right after the first sync has been seen not to stream writes yet.
   */
  async waitForReplica(port: number, ms = 5000): Promise<void> {
    const end = Date.now() + ms
    for (;;) {
      const [sentinel, replica, probe] = await Promise.all([
        this.cli(this.sentinelPort, 'sentinel', 'replicas', MASTER_NAME),
        this.cli(port, 'info', 'replication'),
        this.cli(port, 'get', 'harness-probe'),
      ])
      if (sentinel.includes(`\n${port}\n`) && replica.includes('master_link_status:up') && probe.trim() === 'ok') return
      if (replica.includes('master_link_status:up')) await this.cli(await this.currentMasterPort(), 'set', 'harness-probe', 'ok', 'px', '60000')
      if (Date.now() > end) throw new Error(`the sentinel did not see the replica on ${port} in sync within ${ms} ms`)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }

  /** Kills every process and removes the temporary directory. */
  stop(): Promise<void> {
    return this.processes.stop()
  }
}
