/* global process, console, fetch, setTimeout, URL */
// Starts the demo stack: a local issuer, the gateway, the Python upstream and nginx, each on a
// loopback port. Used by start.mjs (interactive) and bench.mjs.
import { spawn } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createGateway } from '@portcullis/gateway'
import { createIssuer } from '@portcullis/testing'

const here = new URL('.', import.meta.url).pathname

function fill(template, values) {
  return template.replace(/\$\{([A-Z_]+)\}/g, (_, name) => String(values[name]))
}

async function waitFor(url) {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(url)
      return
    } catch {
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  throw new Error(`${url} did not answer`)
}

export async function startStack(env = process.env) {
  const ports = {
    NGINX_PORT: Number(env.NGINX_PORT ?? 8080),
    NGINX_OPEN_PORT: Number(env.NGINX_OPEN_PORT ?? 8081),
    GATEWAY_PORT: Number(env.GATEWAY_PORT ?? 9090),
    UPSTREAM_PORT: Number(env.UPSTREAM_PORT ?? 3000),
  }
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-gateway-nginx-'))
  for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub))

  const issuer = await createIssuer()
  writeFileSync(join(dir, 'gateway.yaml'), fill(readFileSync(join(here, 'gateway.yaml.template'), 'utf8'), { ISSUER: issuer.issuer, AUDIENCE: issuer.audience }))
  copyFileSync(join(here, 'policy.json'), join(dir, 'policy.json'))
  const gateway = await createGateway({ config: join(dir, 'gateway.yaml'), log: (e) => console.error(`gateway ${e.level}: ${e.message}`) })
  await gateway.listen(ports.GATEWAY_PORT, '127.0.0.1')

  const children = []
  const upstream = spawn('python3', [join(here, 'upstream.py'), String(ports.UPSTREAM_PORT)], { stdio: 'inherit' })
  children.push(upstream)
  const user = process.getuid?.() === 0 ? 'user root root;\n' : ''
  const conf = join(dir, 'nginx.conf')
  writeFileSync(conf, user + fill(readFileSync(join(here, 'nginx.conf.template'), 'utf8'), { ...ports, PREFIX: dir }))
  const nginx = spawn('nginx', ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf, '-g', `daemon off; pid ${join(dir, 'nginx.pid')};`], { stdio: 'inherit' })
  children.push(nginx)
  await waitFor(`http://127.0.0.1:${ports.UPSTREAM_PORT}/`)
  await waitFor(`http://127.0.0.1:${ports.NGINX_PORT}/health`)

  return {
    ports,
    issuer,
    async stop() {
      for (const child of children) child.kill('SIGTERM')
      await gateway.close()
      await issuer.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
