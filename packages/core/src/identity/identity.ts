import type { AnomalyReport } from '../anomaly/anomaly-signal.js'
import type { Claims } from './claims.js'

/** How the token was validated. */
export type TokenType = 'jwt' | 'opaque'

/** Key confirmation of a sender-constrained token (RFC 7800 `cnf`). */
export interface Confirmation {
  /** JWK SHA-256 thumbprint of the DPoP key (RFC 9449 §6). */
  readonly jkt?: string
  /** SHA-256 thumbprint of the client certificate (RFC 8705 §3.1). */
  readonly 'x5t#S256'?: string
}

/** One actor of a delegation chain (RFC 8693 §4.1), outermost (current) first. */
export interface Actor {
  readonly subject?: string
  readonly issuer?: string
  readonly clientId?: string
}

/**
 * The authenticated caller, attached as `req.auth` (Express) or `ctx.state.auth` (Koa).
 *
 * @example
 * ```ts
 * app.get('/me', (req, res) => res.json({ sub: req.auth?.subject, scopes: req.auth?.scopes }))
 * ```
 */
export interface Identity<C extends object = Claims> {
  /** `sub`: the resource owner, or the client for client-credentials tokens. */
  readonly subject: string | undefined
  /** `iss`, exactly as configured. */
  readonly issuer: string
  /** `aud`, always as a list. */
  readonly audience: readonly string[]
  /** `client_id` (RFC 9068 §2.2, RFC 8693 §4.3). */
  readonly clientId: string | undefined
  /** Granted scopes from `scope`, `scp` and `permissions`, without duplicates. */
  readonly scopes: readonly string[]
  /** Every claim of the token. */
  readonly claims: Readonly<C>
  /** `'jwt'` for a verified JWT, `'opaque'` for an introspected token. */
  readonly tokenType: TokenType
  /** `exp` as a Date. */
  readonly expiresAt: Date | undefined
  /** Key confirmation (`cnf`), present for sender-constrained tokens. */
  readonly confirmation: Confirmation | undefined
  /** The delegation chain from `act`, current actor first; empty when not delegated. */
  readonly actor: readonly Actor[]
  /** Authentication context class (`acr`). */
  readonly acr: string | undefined
  /** Authentication methods (`amr`). */
  readonly amr: readonly string[] | undefined
  /** Time of the user's authentication (`auth_time`). */
  readonly authTime: Date | undefined
  /**
   * The anomaly signals of this request (`requireToken({ anomalies })`): `{ score, kinds,
   * signals }`, frozen; `score` 0 and no signals when nothing is unusual. Absent when no
   * detector is configured. Policies read it as `environment.anomaly`.
   */
  readonly anomalies?: AnomalyReport
}
