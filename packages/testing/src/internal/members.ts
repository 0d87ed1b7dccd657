/**
 * Overlays `overrides` on `base`: a member set to `undefined` is removed, so callers can drop a
 * default (`{ kid: undefined }`) with the same object they use to change one.
 */
export function mergeMembers(
  base: Record<string, unknown>,
  overrides: Record<string, unknown> | undefined,
  omit: readonly string[] = [],
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  for (const name of omit) delete out[name]
  for (const [name, value] of Object.entries(overrides ?? {})) {
    if (value === undefined) delete out[name]
    else out[name] = value
  }
  return out
}
