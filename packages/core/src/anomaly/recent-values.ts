/**
 * The last `size` distinct values a key was seen with (zones, countries), each with the time it
 * was last seen: a fixed-size record, so a key's summary never grows. A new value replaces the
 * one seen longest ago, so a key's usual values stay while one-off ones come and go.
 */
export class RecentValues {
  readonly #values: Array<string | undefined>
  readonly #seen: number[]

  constructor(size: number, first: string | undefined, time: number) {
    this.#values = new Array<string | undefined>(size).fill(undefined)
    this.#seen = new Array<number>(size).fill(0)
    if (first !== undefined) {
      this.#values[0] = first
      this.#seen[0] = time
    }
  }

  /** Notes `value` at `time`; returns whether it was not among the remembered values. */
  note(value: string, time: number): boolean {
    const values = this.#values
    let oldest = 0
    for (let i = 0; i < values.length; i++) {
      if (values[i] === value) {
        this.#seen[i] = time
        return false
      }
      if (values[i] === undefined || (this.#seen[i] as number) < (this.#seen[oldest] as number)) {
        oldest = i
        if (values[i] === undefined) break
      }
    }
    this.#values[oldest] = value
    this.#seen[oldest] = time
    return true
  }

  /** How many values are remembered. */
  get count(): number {
    let n = 0
    for (const value of this.#values) if (value !== undefined) n++
    return n
  }
}
