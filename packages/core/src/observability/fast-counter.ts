/** The part of a prom-client `Counter` used here. */
export interface PromCounterLike {
  inc(labels: Record<string, string>, value: number): void
  inc(value: number): void
}

/** prom-client's `Counter` class (typed loosely: core does not depend on prom-client's types). */
export type PromCounterClass = new (config: {
  name: string
  help: string
  labelNames: string[]
  registers: unknown[]
  collect: () => void
}) => PromCounterLike

/**
 * A counter whose label values come from fixed lists. The request path only adds to a slot of
 * a Float64Array (a few nanoseconds; a prom-client `inc` with labels costs hundreds, it hashes
 * the label object every time); the totals reach prom-client when the registry is scraped,
 * through the counter's `collect` hook.
 */
export class FastCounter {
  private readonly counts: Float64Array
  private readonly reported: Float64Array
  private readonly metric: PromCounterLike

  constructor(
    Counter: PromCounterClass,
    registry: unknown,
    name: string,
    help: string,
    private readonly labelNames: readonly string[],
    private readonly values: ReadonlyArray<readonly string[]>,
  ) {
    const slots = values.reduce((n, list) => n * list.length, 1)
    this.counts = new Float64Array(slots)
    this.reported = new Float64Array(slots)
    this.metric = new Counter({ name, help, labelNames: [...labelNames], registers: [registry], collect: () => this.sync() })
  }

  /** The slot of a combination of label value indexes (mixed radix). */
  slot(...indexes: number[]): number {
    let slot = 0
    for (let i = 0; i < indexes.length; i++) slot = slot * (this.values[i] as readonly string[]).length + (indexes[i] as number)
    return slot
  }

  add(slot: number, value = 1): void {
    this.counts[slot] = (this.counts[slot] as number) + value
  }

  /** Counted so far in a slot (tests, and the values a scrape will report). */
  get(slot: number): number {
    return this.counts[slot] as number
  }

  private sync(): void {
    for (let slot = 0; slot < this.counts.length; slot++) {
      const delta = (this.counts[slot] as number) - (this.reported[slot] as number)
      if (delta <= 0) continue
      this.reported[slot] = this.counts[slot] as number
      if (this.labelNames.length === 0) {
        this.metric.inc(delta)
        continue
      }
      const indexes: number[] = []
      let rest = slot
      for (let i = this.labelNames.length - 1; i >= 0; i--) {
        const length = (this.values[i] as readonly string[]).length
        indexes[i] = rest % length
        rest = Math.floor(rest / length)
      }
      // Labels in declaration order: that is the order of the exposition text.
      const labels: Record<string, string> = {}
      for (let i = 0; i < this.labelNames.length; i++) labels[this.labelNames[i] as string] = (this.values[i] as readonly string[])[indexes[i] as number] as string
      this.metric.inc(labels, delta)
    }
  }
}
