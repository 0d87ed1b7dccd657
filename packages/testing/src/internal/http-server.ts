import { createServer } from 'node:http'
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { EndpointBehaviour } from '../behaviour.js'

export type EndpointGroup = 'jwks' | 'discovery' | 'introspection' | 'token'

export interface Route {
  group: EndpointGroup
  /** Built per request, so the document always reflects the current keys. */
  document: () => unknown
  headers?: OutgoingHttpHeaders
  /** A POST endpoint (form body) instead of a GET document: answers `{ status, body }`. */
  post?: (request: PostRequest) => { status: number; body: unknown } | Promise<{ status: number; body: unknown }>
}

/** What a POST endpoint is given. */
export interface PostRequest {
  authorization: string | undefined
  contentType: string | undefined
  body: string
}

const MAX_POST_BYTES = 64 * 1024

export interface ServerOptions {
  host: string
  route: (pathname: string) => Route | undefined
  behaviour: (group: EndpointGroup) => EndpointBehaviour
  count: (group: EndpointGroup) => void
}

export interface RunningServer {
  origin: string
  close: () => Promise<void>
}

/** Starts the issuer's HTTP server on `host`, on a random free port. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const server = createServer((req, res) => {
    try {
      respond(req, res, options)
    } catch {
      // A bug here must never crash the test process; the client just sees a failure.
      if (res.headersSent) res.destroy()
      else sendJson(res, 500, { error: 'server_error' })
    }
  })
  // Malformed requests (fuzzing clients) would otherwise emit an unhandled 'error'.
  server.on('clientError', (_err, socket) => socket.destroy())

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: options.host, port: 0 }, () => {
      server.off('error', reject)
      resolve()
    })
  })
  server.on('error', () => undefined)

  const { port } = server.address() as AddressInfo
  const host = options.host.includes(':') ? `[${options.host}]` : options.host
  let closing: Promise<void> | undefined
  return {
    origin: `http://${host}:${port}`,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        // Keep-alive sockets and 'hang' requests would otherwise keep close() waiting forever.
        server.closeAllConnections()
      })
      return closing
    },
  }
}

function respond(req: IncomingMessage, res: ServerResponse, options: ServerOptions): void {
  const pathname = (req.url ?? '/').split('?', 1)[0] ?? '/'
  const route = options.route(pathname)
  if (route === undefined) return sendJson(res, 404, { error: 'not_found' })
  options.count(route.group)
  const post = route.post
  if (post !== undefined) {
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'method_not_allowed' }, { Allow: 'POST' })
    return answer(req, res, options.behaviour(route.group), () => {
      readBody(req, (body) => {
        if (body === undefined) return sendJson(res, 413, { error: 'invalid_request' })
        Promise.resolve()
          .then(() => post({ authorization: req.headers.authorization, contentType: req.headers['content-type'], body }))
          .then(
            (result) => sendJson(res, result.status, result.body, { 'Cache-Control': 'no-store' }),
            () => sendJson(res, 500, { error: 'server_error' }),
          )
      })
    })
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendJson(res, 405, { error: 'method_not_allowed' }, { Allow: 'GET, HEAD' })
  }

  answer(req, res, options.behaviour(route.group), () => sendJson(res, 200, route.document(), route.headers))
}

function readBody(req: IncomingMessage, done: (body: string | undefined) => void): void {
  const chunks: Buffer[] = []
  let total = 0
  let finished = false
  req.on('data', (chunk: Buffer) => {
    total += chunk.length
    if (total > MAX_POST_BYTES && !finished) {
      finished = true
      done(undefined)
    } else chunks.push(chunk)
  })
  req.on('end', () => {
    if (!finished) {
      finished = true
      done(Buffer.concat(chunks).toString('utf8'))
    }
  })
  req.on('error', () => undefined)
}

function answer(req: IncomingMessage, res: ServerResponse, behaviour: EndpointBehaviour, ok: () => void): void {
  switch (behaviour) {
    case 'ok':
      return ok()
    case 'error':
      return sendJson(res, 500, { error: 'server_error', error_description: 'injected failure' })
    case 'down':
      req.socket.destroy()
      return
    case 'hang':
      // Deliberately never answered; close() destroys the socket.
      return
    default: {
      const body = typeof behaviour.body === 'string' ? behaviour.body : JSON.stringify(behaviour.body)
      res.writeHead(behaviour.status ?? 200, { 'Content-Type': behaviour.contentType ?? 'application/json' })
      res.end(body)
    }
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json' })
  res.end(JSON.stringify(body))
}
