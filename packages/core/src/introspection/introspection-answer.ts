/**
 * What introspection said about one token: active with the response members (without `active`),
 * or inactive. Cached answers are shared by every request with that token.
 */
export type Answer = { readonly active: true; readonly response: Record<string, unknown> } | { readonly active: false }

/** The one inactive answer: inactive answers carry nothing, so they all share it. */
export const INACTIVE: Answer = Object.freeze({ active: false })
