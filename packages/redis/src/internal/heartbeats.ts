import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { Commands } from './connection.js'
import { deadline } from './deadline.js'

/**
 * A heartbeat through an event channel: publishes `h <version> <instance> <sequence>`. When a
 * process receives its own heartbeat, every message published on the channel before it has
 * been received too (one connection, in order), so what it holds is current as of the moment
 * the heartbeat was sent, and the version tells whether a message was missed.
 * KEYS: version. ARGV: channel, instance, sequence.
 */
export const HEARTBEAT = `
local version = redis.call('GET', KEYS[1]) or '0'
redis.call('SPUBLISH', ARGV[1], 'h ' .. version .. ' ' .. ARGV[2] .. ' ' .. ARGV[3])
return version
`

/**
 * The heartbeats of one process on one channel: sends them (one at a time) and tells, for a
 * heartbeat received back, when it was sent. Heartbeats older than `maxAge` are forgotten.
 */
export class Heartbeats {
  /** Names this process in its heartbeats (and in the messages it publishes). */
  readonly instance = randomUUID()
  #pending = false
  #sequence = 0
  readonly #sent = new Map<number, number>()

  constructor(
    private readonly commands: Commands,
    private readonly versionKey: string,
    private readonly channel: string,
    private readonly maxAge: number,
  ) {}

  /** Publishes one heartbeat unless one is still on its way; never rejects. */
  async send(): Promise<void> {
    if (this.#pending) return
    this.#pending = true
    const sequence = ++this.#sequence
    const now = performance.now()
    this.#sent.set(sequence, now)
    for (const [old, sentAt] of this.#sent) {
      if (now - sentAt <= this.maxAge) break
      this.#sent.delete(old)
    }
    try {
      await deadline(this.commands.eval(HEARTBEAT, { keys: [this.versionKey], arguments: [this.channel, this.instance, String(sequence)] }), this.maxAge)
    } catch {
      // A lost heartbeat lets what it proves go stale, which is the point.
    } finally {
      this.#pending = false
    }
  }

  /** When our heartbeat `sequence` was sent (`performance.now()`), if it is one of ours and recent. */
  sentAt(instance: string | undefined, sequence: string | undefined): number | undefined {
    if (instance !== this.instance) return undefined
    return this.#sent.get(Number(sequence))
  }

  /**
   * What a heartbeat received through the channel (`h <version> <instance> <sequence>`) tells a
   * holder that has applied every message up to version `held`:
   * - `'gap'`: a message never arrived (a higher version), or our own heartbeat carries a lower
   *   version, so the counter went back (FLUSHALL, a failover that lost writes);
   * - the time our heartbeat was sent: every message published before then has been received;
   * - `undefined`: nothing (another process's heartbeat, or one of ours forgotten). Another
   *   process's heartbeat with a lower version ran before a message the holder already has (one
   *   buffered while it was loading); ours are sent after it.
   */
  judge(held: number, version: number, instance: string | undefined, sequence: string | undefined): number | 'gap' | undefined {
    if (version > held) return 'gap'
    const sentAt = this.sentAt(instance, sequence)
    if (sentAt === undefined) return undefined
    return version === held ? sentAt : 'gap'
  }

  /** Forgets the heartbeats in flight: what they would prove no longer holds. */
  forget(): void {
    this.#sent.clear()
  }
}
