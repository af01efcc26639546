// The hashes that link a chain: taken over an entry's canonical JSON (canonicalJson of @dynamorm/core,
// keys sorted at every depth, so the same content always hashes the same whatever order it was built in).
import { createHash, createHmac } from 'node:crypto'

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
