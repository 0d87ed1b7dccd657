import type { Context } from 'koa'
import { RequireAuthentication, RequireScope } from '@portcullis/koa'

/**
 * A controller whose routes carry their requirements as standard (TC39) decorators: reading
 * settings needs a scope; signing out every session also needs a recent MFA (RFC 9470 step-up:
 * a token without `acr: "mfa"` from the last 5 minutes is answered 401
 * `insufficient_user_authentication` with `acr_values` and `max_age` in the challenge).
 */
export class SettingsController {
  private readonly sessions = new Map<string, number>()

  @RequireScope('settings:read')
  show(ctx: Context): void {
    ctx.body = { subject: ctx.state.auth?.subject, sessions: this.sessions.get(ctx.state.auth?.subject ?? '') ?? 1 }
  }

  @RequireScope('settings:write')
  @RequireAuthentication({ acr: ['mfa'], maxAge: 300 })
  signOutEverywhere(ctx: Context): void {
    this.sessions.set(ctx.state.auth?.subject ?? '', 0)
    ctx.status = 204
  }
}
