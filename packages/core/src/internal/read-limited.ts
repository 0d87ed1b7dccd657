/**
 * Reads a fetch `Response` body as strict UTF-8, refusing it as soon as it passes `maxBytes`:
 * a hostile or broken endpoint (JWKS, discovery, introspection, token exchange) must not make
 * us buffer an unbounded body. `what` names the request in the error (`GET https://...`).
 */
export async function readLimited(response: Response, maxBytes: number, what: string): Promise<string> {
  if (response.body === null) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined)
      throw new Error(`${what} answered a body larger than ${maxBytes} bytes`)
    }
    chunks.push(value)
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks))
}
