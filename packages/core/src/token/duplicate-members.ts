const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const COMMA = 0x2c
const COLON = 0x3a

/**
 * True when some object of the JSON text `json` names a member twice (RFC 8259 §4: names
 * "SHOULD be unique"; RFC 7515 §5.2 and RFC 7519 §4 let a verifier reject such a header or
 * claims set, and `JSON.parse` would silently keep the last one). `json` must already be valid
 * JSON (call it after `JSON.parse` succeeded): the scan only tracks strings, escapes and object
 * nesting, in one pass, and compares names after unescaping (`"a"` and `"\u0061"` are the same
 * name).
 */
export function hasDuplicateMembers(json: string): boolean {
  // One entry per open container: the names seen so far in an object, or null for an array.
  const stack: Array<Set<string> | null> = []
  // Whether the next string in the current object is a member name.
  let expectName = false
  const length = json.length
  let i = 0
  while (i < length) {
    const code = json.charCodeAt(i)
    if (code === QUOTE) {
      let end = json.indexOf('"', i + 1)
      // A quote preceded by an odd number of backslashes is part of the string.
      for (;;) {
        let slashes = 0
        while (json.charCodeAt(end - 1 - slashes) === BACKSLASH) slashes++
        if (slashes % 2 === 0) break
        end = json.indexOf('"', end + 1)
      }
      if (expectName) {
        const names = stack[stack.length - 1] as Set<string>
        const backslash = json.indexOf('\\', i + 1)
        const escaped = backslash !== -1 && backslash < end
        const name = escaped ? (JSON.parse(json.slice(i, end + 1)) as string) : json.slice(i + 1, end)
        if (names.has(name)) return true
        names.add(name)
        expectName = false
      }
      i = end + 1
      continue
    }
    if (code === OPEN_OBJECT) {
      stack.push(new Set())
      expectName = true
    } else if (code === OPEN_ARRAY) {
      stack.push(null)
      expectName = false
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      stack.pop()
      expectName = false
    } else if (code === COMMA) {
      expectName = stack[stack.length - 1] != null
    } else if (code === COLON) {
      expectName = false
    }
    i++
  }
  return false
}
