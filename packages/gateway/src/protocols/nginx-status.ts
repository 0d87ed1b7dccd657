import type { ServerResponse } from 'node:http'
import type { PortcullisError } from '@portcullis/core'
import { refuse } from '../answers.js'

/**
 * The status the gateway meant, on a 403 to nginx. nginx `auth_request` passes a 401 or a 403
 * on and turns any other status of the auth answer into a 500 (ngx_http_auth_request_module),
 * so a 400, 429 or 503 is sent as a 403 carrying this header, which the documented nginx
 * snippet turns back into the status.
 */
export const STATUS_HEADER = 'x-portcullis-status'

/** `refuse()` for nginx: 401 and 403 as they are, any other status as a 403 naming it. */
export function nginxRefusal(res: ServerResponse, error: PortcullisError): void {
  if (error.status === 401 || error.status === 403) return refuse(res, error)
  res.setHeader(STATUS_HEADER, String(error.status))
  refuse(res, error, 403)
}
