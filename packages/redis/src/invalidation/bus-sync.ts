import { performance } from 'node:perf_hooks'
import { ChannelSubscription } from '../internal/channel-subscription.js'
import type { Commands, Connection } from '../internal/connection.js'
import { deadline } from '../internal/deadline.js'
import { Heartbeats } from '../internal/heartbeats.js'
import { RECOVER } from './scripts.js'

/** Where the bus stands. Only `current` means every message published so far has been applied. */
export type BusState = 'offline' | 'syncing' | 'current' | 'closed'

/** Why the bus lost track of the messages (and cleared the caches). */
export type LossReason = 'disconnect' | 'gap' | 'stale'

/** Names the bus needs. */
export interface BusKeys {
  readonly version: string
  readonly policy: string
  readonly removedKeys: string
  readonly channel: string
}

/** Settings of the bus, validated by its factory. */
export interface BusSettings {
  readonly heartbeatInterval: number
  readonly maxStaleness: number
  readonly recoverTimeout: number
  readonly clock: () => number
}

/** What the bus tells the caches it serves. */
export interface BusHandlers {
  /** A message of another process, in version order. */
  apply(kind: string, payload: string): void
  /** Messages may have been missed: drop what could depend on them. */
  lost(reason: LossReason): void
  /**
   * The bus is current again. `missedPolicy`: the last published policy when it was published
   * while this process was not listening (never on the first subscription); `removedKeys`: the
   * thumbprints of keys removed recently.
   */
  recovered(missedPolicy: string | undefined, removedKeys: readonly string[]): void
}

// Messages received while recovering; beyond this the recovery starts over.
const MAX_BUFFERED = 10_000

/**
 * Keeps one process in step with the invalidation channel: every message is applied in version
 * order; a gap, a disconnect, a lost subscription or a heartbeat that does not come back
 * within `maxStaleness` is reported as a loss (the caches are cleared), and the bus then
 * recovers: it reads the version, the last policy and the recently removed keys atomically
 * while buffering the messages that arrive meanwhile, applies them, and is current again once
 * one of its own heartbeats has come back with the version it holds.
 */
export class BusSync {
  #state: BusState = 'offline'
  #version = 0
  /** The version up to which this process has seen every message; `undefined` before the first recovery. */
  #seen: number | undefined
  #freshAt = -Infinity
  // Whether one of our heartbeats came back since the recovery: only then is the subscription
  // proven active (some clients resubscribe after they report being connected).
  #confirmed = false
  #buffer: string[] | undefined
  #recovering = false
  #waiters: Array<() => void> = []
  readonly #timer: NodeJS.Timeout
  readonly #heartbeats: Heartbeats
  readonly #subscription: ChannelSubscription

  readonly #commands: Commands

  constructor(
    connection: Connection,
    private readonly keys: BusKeys,
    private readonly settings: BusSettings,
    private readonly handlers: BusHandlers,
  ) {
    this.#commands = connection.commands
    this.#heartbeats = new Heartbeats(connection.commands, keys.version, keys.channel, settings.maxStaleness)
    this.#timer = setInterval(() => this.#tick(), settings.heartbeatInterval)
    this.#timer.unref()
    this.#subscription = new ChannelSubscription(connection, keys.channel, settings.heartbeatInterval, {
      message: (message) => this.#onMessage(message),
      lost: () => this.#lose('disconnect'),
      ready: () => this.#tick(),
    })
  }

  /** Names this process in the messages it publishes (its own are not applied twice). */
  get instance(): string {
    return this.#heartbeats.instance
  }

  get state(): BusState {
    if (this.#state === 'current' && !this.#confirmed) return 'syncing'
    return this.#state
  }

  /** Resolves when the bus is current. */
  whenCurrent(): Promise<void> {
    if (this.state === 'current') return Promise.resolve()
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  async close(): Promise<void> {
    clearInterval(this.#timer)
    this.#state = 'closed'
    this.#buffer = undefined
    await this.#subscription.close()
  }

  #fresh(): boolean {
    return performance.now() - this.#freshAt <= this.settings.maxStaleness
  }

  #lose(reason: LossReason): void {
    if (this.#state === 'closed') return
    const wasTracking = this.#state !== 'offline'
    this.#state = 'offline'
    this.#buffer = undefined
    this.#freshAt = -Infinity
    this.#confirmed = false
    this.#heartbeats.forget()
    if (wasTracking) this.handlers.lost(reason)
  }

  #tick(): void {
    if (this.#state === 'closed') return
    if (this.#state === 'current' && !this.#fresh()) this.#lose('stale')
    if (this.#state !== 'current') {
      void this.#recover()
      return
    }
    void this.#heartbeats.send()
  }

  async #recover(): Promise<void> {
    if (this.#recovering || !this.#subscription.ready) return
    this.#recovering = true
    this.#state = 'syncing'
    this.#buffer = []
    const sentAt = performance.now()
    try {
      const reply = (await deadline(
        this.#commands.eval(RECOVER, { keys: [this.keys.version, this.keys.policy, this.keys.removedKeys], arguments: [String(this.settings.clock())] }),
        this.settings.recoverTimeout,
      )) as Array<string | number>
      if (this.#buffer === undefined) return // lost meanwhile
      const buffered = this.#buffer
      const version = Number(reply[0])
      const policy = String(reply[1] ?? '')
      const space = policy.indexOf(' ')
      const policyVersion = space > 0 ? Number(policy.slice(0, space)) : 0
      // A policy published after the last message this process saw (or while the counter was
      // reset, FLUSHALL) is one it missed.
      const missed = this.#seen !== undefined && policyVersion > 0 && (policyVersion > this.#seen || version < this.#seen)
      this.#version = version
      this.#seen = version
      this.#buffer = undefined
      this.#state = 'current'
      this.#confirmed = false
      // Starts the staleness clock: without a heartbeat back within maxStaleness, the next tick
      // counts the bus stale and recovers again.
      this.#freshAt = sentAt
      this.handlers.recovered(missed ? policy.slice(space + 1) : undefined, reply.slice(2).map(String))
      for (const message of buffered) this.#onMessage(message)
      void this.#heartbeats.send()
    } catch {
      if (this.#state === 'syncing') this.#lose('disconnect')
    } finally {
      this.#recovering = false
    }
  }

  #onMessage(message: string): void {
    if (this.#buffer !== undefined) {
      if (this.#buffer.length >= MAX_BUFFERED) this.#lose('gap')
      else this.#buffer.push(message)
      return
    }
    if (this.#state !== 'current') return
    // `<kind> <version> <instance> <payload>`: the payload (a policy) may hold spaces.
    const first = message.indexOf(' ')
    const second = message.indexOf(' ', first + 1)
    const third = message.indexOf(' ', second + 1)
    if (first < 0 || second < 0 || third < 0) return
    const kind = message.slice(0, first)
    const version = Number(message.slice(first + 1, second))
    const instance = message.slice(second + 1, third)
    const payload = message.slice(third + 1)
    if (kind === 'h') {
      // Every message published before one of our heartbeats has been received by now.
      const sentAt = this.#heartbeats.judge(this.#version, version, instance, payload)
      if (sentAt === 'gap') return this.#restart('gap')
      if (sentAt === undefined) return
      this.#confirmed = true
      if (sentAt > this.#freshAt) this.#freshAt = sentAt
      if (this.#fresh()) for (const wake of this.#waiters.splice(0)) wake()
      return
    }
    if (version <= this.#version) return // covered by the recovery
    if (version !== this.#version + 1) return this.#restart('gap')
    this.#version = version
    this.#seen = version
    if (instance !== this.instance) this.handlers.apply(kind, payload)
  }

  /** A lost message: clear now and recover at once rather than at the next tick. */
  #restart(reason: LossReason): void {
    this.#lose(reason)
    void this.#recover()
  }
}
