/**
 * Internal signal: an attribute is being fetched asynchronously. Evaluation stops, the engine
 * awaits the fetches it started and evaluates again with the values memoized. One
 * preallocated instance: throwing it captures no stack.
 */
export class PendingAttribute {
  readonly pending = true
}

/** The single instance thrown by attribute reads that wait for a provider. */
export const PENDING = new PendingAttribute()
