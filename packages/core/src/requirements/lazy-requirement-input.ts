import type { AuthContext } from '../authenticator.js'
import type { Identity } from '../identity/identity.js'
import type { PortcullisRequest } from '../request.js'
import type { RequirementInput } from './requirement.js'

/**
 * A {@link RequirementInput} whose `request` is translated from the framework's input only when
 * a requirement reads it. A scope check that passes with auditing off never does, so the adapters
 * build no request object for it.
 *
 * @example
 * ```ts
 * import { LazyRequirementInput, SocketRequest, DEFAULT_AUTH_CONTEXT, type PortcullisRequest } from '@portcullis/core'
 * import type { IncomingMessage } from 'node:http'
 * const translate = (req: IncomingMessage): PortcullisRequest => new SocketRequest(req.method ?? 'GET', req.url ?? '/', req.headers, req.rawHeaders, undefined, req.socket)
 * declare const req: IncomingMessage
 * const input = new LazyRequirementInput(req, undefined, DEFAULT_AUTH_CONTEXT, translate)
 * ```
 */
export class LazyRequirementInput<In> implements RequirementInput<In> {
  #request: PortcullisRequest | undefined
  readonly #translate: (input: In) => PortcullisRequest

  constructor(
    readonly input: In,
    readonly identity: Identity | undefined,
    readonly context: AuthContext,
    translate: (input: In) => PortcullisRequest,
  ) {
    this.#translate = translate
  }

  /** The request, translated on first read and kept. */
  get request(): PortcullisRequest {
    this.#request ??= this.#translate(this.input)
    return this.#request
  }
}
