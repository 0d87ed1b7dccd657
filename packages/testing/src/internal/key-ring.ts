import type { SigningAlgorithm } from '../algorithms.js'
import type { IssuerKey } from '../keys.js'

interface Entry {
  key: IssuerKey
  published: boolean
}

/** The keys an issuer holds: which are published in the JWKS and which one signs per algorithm. */
export class KeyRing {
  readonly #entries = new Map<string, Entry>()
  readonly #current = new Map<SigningAlgorithm, string>()

  add(key: IssuerKey, publish: boolean, current: boolean): void {
    if (this.#entries.has(key.kid)) throw new Error(`The issuer already holds a key with kid "${key.kid}"`)
    this.#entries.set(key.kid, { key, published: publish })
    if (current) this.#current.set(key.alg, key.kid)
  }

  remove(kid: string): void {
    const entry = this.#entries.get(kid)
    if (entry === undefined) throw new Error(`The issuer holds no key with kid "${kid}"`)
    this.#entries.delete(kid)
    if (this.#current.get(entry.key.alg) === kid) this.#current.delete(entry.key.alg)
  }

  get(kid: string): IssuerKey | undefined {
    return this.#entries.get(kid)?.key
  }

  published(): IssuerKey[] {
    return [...this.#entries.values()].filter((e) => e.published).map((e) => e.key)
  }

  /** The marked current key, else the newest published key of that algorithm. */
  current(alg: SigningAlgorithm): IssuerKey | undefined {
    const kid = this.#current.get(alg)
    if (kid !== undefined) return this.#entries.get(kid)?.key
    return this.published().filter((k) => k.alg === alg).at(-1)
  }
}
