import { performance } from 'node:perf_hooks'
import { ChannelSubscription } from '../internal/channel-subscription.js'
import type { Commands, Connection } from '../internal/connection.js'
import { deadline } from '../internal/deadline.js'
import { Heartbeats } from '../internal/heartbeats.js'
import type { Entry } from './entries.js'
import { SNAPSHOT } from './scripts.js'

/** Where the local view stands. Only `current` answers checks without a round trip. */
export type LocalViewState = 'offline' | 'syncing' | 'current' | 'too_large' | 'closed'

/** Settings of the local view, validated by the store. */
export interface LocalViewSettings {
  readonly heartbeatInterval: number
  readonly maxStaleness: number
  readonly maxEntries: number
  readonly snapshotTimeout: number
}

/** Names the view needs. */
export interface LocalViewKeys {
  readonly index: string
  readonly version: string
  readonly entryPrefix: string
  readonly channel: string
}

// Messages received while a snapshot is being taken; beyond this the snapshot starts over.
const MAX_BUFFERED = 100_000
const SWEEP_EVERY_MS = 30_000

/**
 * A copy of the denylist in this process, kept current by the messages every revocation
 * publishes, so that checks cost no round trip. It is trusted only while it provably is
 * current: loaded from an atomic snapshot, every message applied in version order, and one of
 * our own heartbeats (sent through the same channel) received within `maxStaleness`, the
 * first of them after the snapshot (which proves the subscription was active: a snapshot
 * alone does not, since some clients resubscribe after they report being connected).
 * Anything else (the subscription reported lost, a version gap, a late heartbeat) drops it at
 * once; the store then asks Redis directly until a new snapshot is loaded.
 */
export class LocalView {
  #entries = new Map<string, Entry>()
  #version = 0
  #state: LocalViewState = 'offline'
  #freshAt = -Infinity
  // Whether one of our heartbeats came back since the snapshot (see the class comment).
  #confirmed = false
  #buffer: string[] | undefined
  #syncing = false
  #lastSweep = performance.now()
  readonly #timer: NodeJS.Timeout
  readonly #heartbeats: Heartbeats
  readonly #subscription: ChannelSubscription
  readonly #commands: Commands
  readonly #keys: LocalViewKeys
  readonly #settings: LocalViewSettings
  readonly #clock: () => number
  #waiters: Array<() => void> = []
  /** Snapshots loaded since creation. */
  reloads = 0

  constructor(connection: Connection, keys: LocalViewKeys, settings: LocalViewSettings, clock: () => number) {
    const commands = connection.commands
    this.#commands = commands
    this.#keys = keys
    this.#settings = settings
    this.#clock = clock
    this.#heartbeats = new Heartbeats(commands, keys.version, keys.channel, settings.maxStaleness)
    this.#timer = setInterval(() => this.#tick(), settings.heartbeatInterval)
    this.#timer.unref()
    this.#subscription = new ChannelSubscription(connection, keys.channel, settings.heartbeatInterval, {
      message: (message) => this.#onMessage(message),
      lost: () => this.#drop(),
      ready: () => this.#tick(),
    })
  }

  get state(): LocalViewState {
    if (this.#state === 'current' && !(this.#confirmed && this.#fresh())) return 'syncing'
    return this.#state
  }

  /** Whether checks may be answered from memory right now. */
  trusted(): boolean {
    return this.#state === 'current' && this.#confirmed && this.#fresh()
  }

  /** Resolves when the view is current. */
  whenCurrent(): Promise<void> {
    if (this.trusted()) return Promise.resolve()
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  /** The cut-off of entry `id`, if present and not expired. */
  lookup(id: string, now: number): number | undefined {
    const entry = this.#entries.get(id)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= now) {
      this.#entries.delete(id)
      return undefined
    }
    return entry.before
  }

  /** Applies a revocation this process just wrote, so that it is refused here at once. */
  record(id: string, expiresAt: number, before: number): void {
    if (this.#state === 'current') this.#merge(id, expiresAt, before)
  }

  async close(): Promise<void> {
    clearInterval(this.#timer)
    this.#drop()
    this.#state = 'closed'
    await this.#subscription.close()
  }

  #fresh(): boolean {
    return performance.now() - this.#freshAt <= this.#settings.maxStaleness
  }

  #drop(): void {
    if (this.#state === 'closed') return
    this.#state = 'offline'
    this.#entries = new Map()
    this.#buffer = undefined
    this.#freshAt = -Infinity
    this.#confirmed = false
    this.#heartbeats.forget()
  }

  /** Drops the view and loads a new snapshot now rather than at the next tick. */
  #restart(): void {
    this.#drop()
    void this.#resync()
  }

  #tick(): void {
    if (this.#state === 'closed') return
    if (this.#state === 'current' && !this.#fresh()) this.#drop()
    if (this.#state !== 'current') {
      void this.#resync()
      return
    }
    this.#sweep()
    void this.#heartbeats.send()
  }

  async #resync(): Promise<void> {
    if (this.#syncing || !this.#subscription.ready) return
    this.#syncing = true
    this.#state = 'syncing'
    this.#buffer = []
    const sentAt = performance.now()
    try {
      const reply = (await deadline(
        this.#commands.eval(SNAPSHOT, {
          keys: [this.#keys.index, this.#keys.version],
          arguments: [String(this.#clock()), String(this.#settings.maxEntries), this.#keys.entryPrefix],
        }),
        this.#settings.snapshotTimeout,
      )) as Array<string | number>
      if (this.#buffer === undefined) return // dropped meanwhile
      if (Number(reply[1]) < 0) {
        this.#state = 'too_large'
        this.#buffer = undefined
        return
      }
      const entries = new Map<string, Entry>()
      for (let i = 2; i + 2 < reply.length; i += 3) {
        entries.set(String(reply[i]), { expiresAt: Number(reply[i + 1]), before: Number(reply[i + 2]) })
      }
      const buffered = this.#buffer
      this.#entries = entries
      this.#version = Number(reply[0])
      this.#buffer = undefined
      this.#state = 'current'
      this.#confirmed = false
      this.reloads++
      // Starts the staleness clock: without a heartbeat back within maxStaleness, the next tick
      // drops the view and loads another snapshot.
      this.#freshAt = sentAt
      for (const message of buffered) this.#onMessage(message)
      void this.#heartbeats.send()
    } catch {
      if (this.#state === 'syncing') this.#drop()
    } finally {
      this.#syncing = false
    }
  }

  #onMessage(message: string): void {
    if (this.#buffer !== undefined) {
      if (this.#buffer.length >= MAX_BUFFERED) this.#drop()
      else this.#buffer.push(message)
      return
    }
    if (this.#state !== 'current') return
    const parts = message.split(' ')
    const version = Number(parts[1])
    if (parts[0] === 'r' && parts.length === 5) {
      if (version <= this.#version) return // already in the snapshot
      if (version !== this.#version + 1) return this.#restart() // a message was lost
      this.#version = version
      this.#merge(parts[2] as string, Number(parts[3]), Number(parts[4]))
    } else if (parts[0] === 'h' && parts.length === 4) {
      // Every revocation published before one of our heartbeats has been received by now.
      const sentAt = this.#heartbeats.judge(this.#version, version, parts[2], parts[3])
      if (sentAt === 'gap') return this.#restart()
      if (sentAt === undefined) return
      this.#confirmed = true
      if (sentAt > this.#freshAt) this.#freshAt = sentAt
      if (this.trusted()) for (const wake of this.#waiters.splice(0)) wake()
    }
  }

  #merge(id: string, expiresAt: number, before: number): void {
    const existing = this.#entries.get(id)
    if (existing === undefined) {
      if (this.#entries.size >= this.#settings.maxEntries) return this.#drop()
      this.#entries.set(id, { expiresAt, before })
      return
    }
    existing.expiresAt = Math.max(existing.expiresAt, expiresAt)
    existing.before = Math.max(existing.before, before)
  }

  #sweep(): void {
    const now = performance.now()
    if (now - this.#lastSweep < SWEEP_EVERY_MS) return
    this.#lastSweep = now
    const time = this.#clock()
    for (const [id, entry] of this.#entries) if (entry.expiresAt <= time) this.#entries.delete(id)
  }
}
