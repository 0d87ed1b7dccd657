const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const COMMA = 0x2c

/**
 * Counts the member names in the JSON text `json` (which must be valid JSON): one linear
 * pass that tracks only strings, escapes and container nesting. A string is a member name
 * when it follows `{` or a `,` inside an object.
 */
function countMemberNames(json: string): number {
  // For each open container: true for an object, false for an array.
  const inObject: boolean[] = []
  let expectName = false
  let names = 0
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
        names++
        expectName = false
      }
      i = end + 1
      continue
    }
    if (code === OPEN_OBJECT) {
      inObject.push(true)
      expectName = true
    } else if (code === OPEN_ARRAY) {
      inObject.push(false)
      expectName = false
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      inObject.pop()
      expectName = false
    } else if (code === COMMA) {
      expectName = inObject[inObject.length - 1] === true
    }
    i++
  }
  return names
}

/** Counts the own members of every object in a value returned by `JSON.parse`. */
function countMembers(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0
  let count = 0
  if (Array.isArray(value)) {
    for (const item of value) count += countMembers(item)
    return count
  }
  // JSON.parse makes every member an own, enumerable data property (even "__proto__").
  for (const name in value) count += 1 + countMembers((value as Record<string, unknown>)[name])
  return count
}

/**
 * True when some object of the JSON text `json` names a member twice (RFC 8259 §4: names
 * "SHOULD be unique"; RFC 7515 §5.2 and RFC 7519 §4 let a verifier reject such a header or
 * claims set, and `JSON.parse` silently keeps the last one). `parsed` is `JSON.parse(json)`:
 * `JSON.parse` keeps one member per distinct name (after unescaping, so `"a"` and `"\u0061"`
 * are the same name), so the text has a duplicate exactly when it names more members than
 * the parsed value holds. No names are copied or stored: one pass over the text, one over
 * the value.
 */
export function hasDuplicateMembers(json: string, parsed: unknown = JSON.parse(json)): boolean {
  return countMemberNames(json) !== countMembers(parsed)
}
