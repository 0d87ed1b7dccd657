/**
 * One introspection answer as a shared store holds it: the response of the authorization server
 * and until when it may be reused.
 */
export interface StoredIntrospection {
  /**
   * The introspection response (RFC 7662 §2.2) with its `active` member: an active answer that
   * passed the claim checks when it was written, or `{ active: false }`.
   */
  readonly response: Readonly<Record<string, unknown>>
  /**
   * Milliseconds since the epoch after which the answer must not be used: never beyond the
   * response's `exp` (RFC 7662 §4) nor the `ttl` (or `negativeTtl`) of the process that wrote it.
   */
  readonly expiresAt: number
}

/**
 * A second-level introspection cache shared by every process of an API (for example
 * `createRedisIntrospectionStore` of `@portcullis/redis`): consulted after the process's own
 * cache misses and before the authorization server is called; every answer fetched from the
 * authorization server is written to it. Entries are found by the token's digest (base64url
 * SHA-256, as `tokenDigest` computes it): the token itself never reaches the store.
 *
 * The store is a trust boundary: whatever it returns is checked again like a response of the
 * authorization server (a JSON object, `active` a boolean, `iss` the introspection issuer, `exp`
 * and `nbf` against the clock, the audience...) and ignored (then deleted) when it fails. Still,
 * whoever can write to the store can make up answers for tokens it knows: protect it like the
 * introspection credentials.
 *
 * It is only an optimisation: a method that rejects or does not settle within
 * `introspection.cache.storeTimeout` is counted (`portcullis_store_errors_total{store="introspection"}`)
 * and the authorization server is asked instead, never a 500 or a hang.
 *
 * @example
 * ```ts
 * const answers = new Map<string, { answer: StoredIntrospection; until: number }>()
 * const store: IntrospectionAnswerStore = {
 *   async get(tokenHash) {
 *     const entry = answers.get(tokenHash)
 *     return entry !== undefined && entry.until > Date.now() ? entry.answer : undefined
 *   },
 *   async set(tokenHash, answer, ttlMs) {
 *     answers.set(tokenHash, { answer, until: Date.now() + ttlMs })
 *   },
 *   async delete(tokenHash) {
 *     answers.delete(tokenHash)
 *   },
 * }
 * ```
 */
export interface IntrospectionAnswerStore {
  /** The answer stored for `tokenHash`, or `undefined` when there is none (or it expired). */
  get(tokenHash: string): Promise<StoredIntrospection | undefined>
  /**
   * Stores `answer` for `tokenHash`, to be forgotten after `ttlMs` milliseconds (a positive
   * integer, consistent with `answer.expiresAt`), replacing any earlier answer.
   */
  set(tokenHash: string, answer: StoredIntrospection, ttlMs: number): Promise<void>
  /** Forgets the answer for `tokenHash`, if any. */
  delete(tokenHash: string): Promise<void>
}
