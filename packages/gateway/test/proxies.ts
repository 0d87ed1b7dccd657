/**
 * Real reverse proxies for the end-to-end tests: nginx and Caddy started as child processes
 * with a temporary configuration on a free loopback port, in front of a tiny upstream that
 * echoes what it received. The configurations are the ones the README documents.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { createServer as createNetServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'

/** True when `command` is on the PATH. */
export function installed(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0
}

export async function freePort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** What the upstream saw. */
export interface Echo {
  readonly url: string
  readonly method: string
  readonly headers: http.IncomingHttpHeaders
}

export async function startUpstream(): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => {
    const body = JSON.stringify({ url: req.url ?? '', method: req.method ?? '', headers: req.headers } satisfies Echo)
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, port: (server.address() as AddressInfo).port }
}

/** Options of the documented proxy configurations. */
export interface ProxyOptions {
  /** Add the lines of token translation (`upstreamToken`): the gateway's token replaces the client's. */
  readonly upstreamToken?: boolean
}

/** The nginx lines of token translation (README: "Token translation"). */
export const NGINX_UPSTREAM_TOKEN = `
      # Token translation: the gateway's token replaces the client's Authorization header.
      auth_request_set $portcullis_authorization $upstream_http_authorization;
      proxy_set_header Authorization $portcullis_authorization;`

/** The nginx server block the README documents (ports filled in). */
export function nginxServer(listen: number, gateway: number, upstream: number, options: ProxyOptions = {}): string {
  return `
  server {
    listen 127.0.0.1:${listen};

    location / {
      auth_request /_portcullis;
      # Identity from the gateway's answer. proxy_set_header replaces any copy the client sent,
      # and an empty value (no identity) sends no header at all.
      auth_request_set $portcullis_subject $upstream_http_x_portcullis_subject;
      auth_request_set $portcullis_client $upstream_http_x_portcullis_client;
      auth_request_set $portcullis_scopes $upstream_http_x_portcullis_scopes;
      proxy_set_header X-Portcullis-Subject $portcullis_subject;
      proxy_set_header X-Portcullis-Client $portcullis_client;
      proxy_set_header X-Portcullis-Scopes $portcullis_scopes;${options.upstreamToken === true ? NGINX_UPSTREAM_TOKEN : ''}
      # Refusals: the gateway's status, WWW-Authenticate and JSON body.
      auth_request_set $portcullis_www_authenticate $upstream_http_www_authenticate;
      auth_request_set $portcullis_error $upstream_http_x_portcullis_error;
      auth_request_set $portcullis_status $upstream_http_x_portcullis_status;
      auth_request_set $portcullis_retry_after $upstream_http_retry_after;
      # Rate limits: the RateLimit fields, on allowed answers too.
      auth_request_set $portcullis_ratelimit $upstream_http_ratelimit;
      auth_request_set $portcullis_ratelimit_policy $upstream_http_ratelimit_policy;
      add_header RateLimit $portcullis_ratelimit;
      add_header RateLimit-Policy $portcullis_ratelimit_policy;
      error_page 401 = @portcullis_401;
      error_page 403 = @portcullis_403;
      proxy_pass http://127.0.0.1:${upstream};
    }

    location = /_portcullis {
      internal;
      proxy_pass http://127.0.0.1:${gateway}/auth/nginx;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Original-Host $host;
      proxy_set_header X-Original-Proto $scheme;
      # The client address for rate limits keyed by ip (replaces any copy the client sent).
      proxy_set_header X-Forwarded-For $remote_addr;
    }

    # nginx itself passes the gateway's WWW-Authenticate on with a 401 (not with a 403).
    location @portcullis_401 {
      default_type application/json;
      add_header Cache-Control no-store always;
      return 401 $portcullis_error;
    }

    # nginx passes only 401 and 403 from auth_request: the gateway sends a 400, 429 or 503 as a
    # 403 with X-Portcullis-Status, turned back into its status here.
    location @portcullis_403 {
      default_type application/json;
      add_header WWW-Authenticate $portcullis_www_authenticate always;
      add_header Retry-After $portcullis_retry_after always;
      add_header RateLimit $portcullis_ratelimit always;
      add_header RateLimit-Policy $portcullis_ratelimit_policy always;
      add_header Cache-Control no-store always;
      if ($portcullis_status = 400) { return 400 $portcullis_error; }
      if ($portcullis_status = 429) { return 429 $portcullis_error; }
      if ($portcullis_status = 503) { return 503 $portcullis_error; }
      return 403 $portcullis_error;
    }
  }
`
}

/** The Caddy lines of token translation: the gateway's token replaces the client's. */
export const CADDY_UPSTREAM_TOKEN = 'copy_headers X-Portcullis-Subject X-Portcullis-Client X-Portcullis-Scopes Authorization'

/** The Caddyfile site the README documents (ports filled in). */
export function caddySite(listen: number, gateway: number, upstream: number, options: ProxyOptions = {}): string {
  return `
:${listen} {
  bind 127.0.0.1
  route {
    # Client-supplied identity headers never reach the upstream.
    request_header -X-Portcullis-Subject
    request_header -X-Portcullis-Client
    request_header -X-Portcullis-Scopes
    forward_auth 127.0.0.1:${gateway} {
      uri /auth/forward
      ${options.upstreamToken === true ? CADDY_UPSTREAM_TOKEN : 'copy_headers X-Portcullis-Subject X-Portcullis-Client X-Portcullis-Scopes'}
    }
    reverse_proxy 127.0.0.1:${upstream}
  }
}
`
}

export interface RunningProxy {
  readonly port: number
  readonly output: () => string
  stop(): Promise<void>
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`proxy exited (${child.exitCode}):\n${output()}`)
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/__probe', agent: false }, (res) => {
        res.resume()
        resolve(true)
      })
      req.on('error', () => resolve(false))
    })
    if (ok) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`proxy did not listen on ${port}:\n${output()}`)
}

function run(command: string, args: string[], port: number, env: NodeJS.ProcessEnv = process.env): Promise<RunningProxy> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env })
  let text = ''
  child.stdout?.on('data', (d: Buffer) => (text = (text + d.toString()).slice(-20000)))
  child.stderr?.on('data', (d: Buffer) => (text = (text + d.toString()).slice(-20000)))
  const output = (): string => text
  return waitForPort(port, child, output).then(
    () => ({
      port,
      output,
      stop: () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve()
          child.once('exit', () => resolve())
          child.kill('SIGTERM')
        }),
    }),
    (error: unknown) => {
      child.kill('SIGKILL')
      throw error
    },
  )
}

/** Starts nginx in the foreground with a temporary prefix and configuration. */
export async function startNginx(dir: string, gateway: number, upstream: number, options: ProxyOptions = {}): Promise<RunningProxy> {
  const port = await freePort()
  for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub), { recursive: true })
  const user = process.getuid?.() === 0 ? 'user root root;\n' : ''
  const conf = `${user}worker_processes 1;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${nginxServer(port, gateway, upstream, options)}
}
`
  const file = join(dir, 'nginx.conf')
  writeFileSync(file, conf)
  return run('nginx', ['-p', dir, '-e', join(dir, 'error.log'), '-c', file, '-g', `daemon off; pid ${join(dir, 'nginx.pid')};`], port)
}

/** Starts Caddy with a temporary Caddyfile (no admin endpoint, no automatic HTTPS). */
export async function startCaddy(dir: string, gateway: number, upstream: number, options: ProxyOptions = {}): Promise<RunningProxy> {
  const port = await freePort()
  const file = join(dir, 'Caddyfile')
  writeFileSync(file, `{\n  admin off\n  auto_https off\n}\n${caddySite(port, gateway, upstream, options)}`)
  const env = { ...process.env, HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') }
  return run('caddy', ['run', '--config', file, '--adapter', 'caddyfile'], port, env)
}
