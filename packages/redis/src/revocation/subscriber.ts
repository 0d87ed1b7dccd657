import { shutdown, type Commands, type Connection } from '../internal/connection.js'
import type { Topology } from '../internal/topology.js'

/** The connection the local view receives its messages on, whatever the node-redis flavour. */
export interface Subscriber {
  /** `sSubscribe` and `sUnsubscribe` go here. */
  readonly commands: Commands
  /** Resolves once the subscriber can subscribe; rejects when it cannot yet (the view retries). */
  open(): Promise<void>
  /** Whether the subscriber is connected right now. */
  ready(): boolean
  /** Stops listening, and closes the subscriber if the store opened it. */
  close(): Promise<void>
}

/**
 * Opens the subscriber of the local view and reports, as soon as node-redis does, that the
 * subscription may have lost messages (`lost`) or that a connection came back (`ready`), so
 * that the view is dropped at once instead of at the end of its staleness bound.
 *
 * - client: a duplicate (a connection in subscribed mode cannot send other commands); lost on
 *   its `error`, `reconnecting` and `end`.
 * - cluster: a duplicate; its sharded subscription has one connection to the shard of the
 *   channel, whose events the cluster reports as `node-error`, `node-reconnecting` and
 *   `node-disconnect` (any node of the duplicate: it only subscribes, so any event is ours).
 * - sentinel: the sentinel-managed client itself, whose pub/sub runs on a connection of its own
 *   to the master; it reports that connection's errors as `error`, and a failover as a
 *   `topology-change` of type `MASTER_CHANGE` (it then resubscribes on the new master).
 */
export function openSubscriber(connection: Connection, topology: Topology, lost: () => void, ready: () => void): Subscriber {
  const sentinelChange = (event: unknown): void => {
    if ((event as { type?: unknown } | undefined)?.type === 'MASTER_CHANGE') lost()
  }
  if (topology === 'sentinel') {
    const sentinel = connection.commands
    // Also keeps a connection error from crashing the process.
    sentinel.on('error', lost)
    sentinel.on('topology-change', sentinelChange)
    return {
      commands: sentinel,
      open: () => connection.ensureOpen(),
      ready: () => sentinel.isReady ?? sentinel.isOpen,
      async close() {
        sentinel.off?.('error', lost)
        sentinel.off?.('topology-change', sentinelChange)
      },
    }
  }
  const duplicate = connection.commands.duplicate?.() as Commands
  duplicate.on('error', lost)
  const events = topology === 'cluster' ? { lost: ['node-error', 'node-reconnecting', 'node-disconnect'], ready: 'node-ready' } : { lost: ['reconnecting', 'end'], ready: 'ready' }
  for (const event of events.lost) duplicate.on(event, lost)
  duplicate.on(events.ready, ready)
  return {
    commands: duplicate,
    async open() {
      if (!duplicate.isOpen) await duplicate.connect()
    },
    ready: () => duplicate.isReady ?? duplicate.isOpen,
    close: () => shutdown(duplicate),
  }
}
