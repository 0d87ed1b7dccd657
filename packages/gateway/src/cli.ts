#!/usr/bin/env node
/**
 * `portcullis-gateway --config FILE [--port 9090] [--host 127.0.0.1]`: runs the gateway until
 * SIGTERM or SIGINT, then stops accepting connections and lets requests in flight finish.
 * Logs are JSON lines on stderr; a configuration error exits with status 2.
 */
import { parseArgs } from 'node:util'
import { createGateway } from './gateway.js'
import { isGatewayConfigError } from './config/config-error.js'

const USAGE = 'usage: portcullis-gateway --config FILE [--port 9090] [--host 127.0.0.1] [--audit]'

function write(level: string, message: string): void {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, message })}\n`)
}

async function main(): Promise<void> {
  let values
  try {
    values = parseArgs({
      options: { config: { type: 'string', short: 'c' }, port: { type: 'string', short: 'p' }, host: { type: 'string' }, audit: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }).values
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`)
    process.exit(2)
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  const config = values.config ?? process.env['PORTCULLIS_GATEWAY_CONFIG']
  if (config === undefined) {
    process.stderr.write(`${USAGE}\n`)
    process.exit(2)
  }
  const port = Number(values.port ?? process.env['PORT'] ?? 9090)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be a port number\n${USAGE}\n`)
    process.exit(2)
  }
  const host = values.host ?? process.env['HOST'] ?? '127.0.0.1'

  let gateway
  try {
    gateway = await createGateway({
      config,
      log: (entry) => write(entry.level, entry.message),
      // Audit events (OWASP vocabulary, never a token) as JSON lines on stdout.
      ...(values.audit === true ? { audit: (event) => void process.stdout.write(`${JSON.stringify(event)}\n`) } : {}),
    })
  } catch (error) {
    process.stderr.write(`${isGatewayConfigError(error) ? error.message : String((error as Error)?.message ?? error)}\n`)
    process.exit(2)
  }
  const address = await gateway.listen(port, host)
  write('info', `portcullis-gateway listening on ${address.address}:${address.port}`)

  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    write('info', `${signal}: stopping (requests in flight finish)`)
    // A hard stop if connections do not drain in time.
    setTimeout(() => process.exit(1), 10_000).unref()
    void gateway.close().then(() => process.exit(0))
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGHUP', () => void gateway.reload())
}

void main()
