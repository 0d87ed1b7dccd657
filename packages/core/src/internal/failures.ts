/**
 * Realm-free failures raised deep in verification and mapped to HTTP errors (with the
 * middleware's challenge) by the authenticator. Neither captures a stack: they are thrown
 * for every forged or expired token and their stack would be pure cost.
 */
function withoutStack<T>(create: () => T): T {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return create()
  } finally {
    Error.stackTraceLimit = limit
  }
}

/** The token (or a claim in it) is unacceptable: becomes 401 `invalid_token`. */
export class TokenInvalid extends Error {
  readonly reason: string
  private constructor(reason: string, description: string, cause?: unknown) {
    super(description, cause === undefined ? undefined : { cause })
    this.name = 'TokenInvalid'
    this.reason = reason
  }
  static create(reason: string, description: string, cause?: unknown): TokenInvalid {
    return withoutStack(() => new TokenInvalid(reason, description, cause))
  }
}

/** A dependency (JWKS, discovery) could not answer: becomes 503 with `Retry-After`. */
export class DependencyUnavailable extends Error {
  readonly reason: string
  readonly retryAfterSeconds: number
  private constructor(reason: string, description: string, retryAfterSeconds: number, cause?: unknown) {
    super(description, cause === undefined ? undefined : { cause })
    this.name = 'DependencyUnavailable'
    this.reason = reason
    this.retryAfterSeconds = retryAfterSeconds
  }
  static create(reason: string, description: string, retryAfterSeconds: number, cause?: unknown): DependencyUnavailable {
    return withoutStack(() => new DependencyUnavailable(reason, description, retryAfterSeconds, cause))
  }
}
