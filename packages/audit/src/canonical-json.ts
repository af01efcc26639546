// The bytes an entry's hash is taken over. Keys are sorted at every depth so the same content always
// serialises the same way, whichever order a handler built its objects in.
import { createHash, createHmac } from 'node:crypto'

/** A value that survives JSON unchanged: what entries hold after normalisation. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const keys = Object.keys(value).sort()
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as JsonValue)}`).join(',')}}`
}

/**
 * SHA-256 of the canonical content (hex). With a `chainKey` it is an HMAC-SHA-256 instead, so someone
 * who can write the table but does not hold the key cannot forge a consistent chain.
 */
export function chainHash(content: string, chainKey?: string | Uint8Array): string {
  const digest = chainKey === undefined ? createHash('sha256') : createHmac('sha256', chainKey)
  return digest.update(content).digest('hex')
}

/** The prevHash of a shard's first entry: bound to partner and shard so chains cannot be transplanted. */
export function genesisHash(partnerId: string, shard: number): string {
  return createHash('sha256').update(`dynamorm-audit\n${partnerId}\n${shard}`).digest('hex')
}
