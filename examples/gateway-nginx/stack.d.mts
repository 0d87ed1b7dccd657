import type { LocalIssuer } from '@portcullis/testing'

/** The started demo stack (see stack.mjs). */
export interface Stack {
  readonly ports: { NGINX_PORT: number; NGINX_OPEN_PORT: number; GATEWAY_PORT: number; UPSTREAM_PORT: number }
  readonly issuer: LocalIssuer
  stop(): Promise<void>
}

export function startStack(env?: Record<string, string | undefined>): Promise<Stack>
