// context.partner: who the request is for and a Db in that partner's account. Its credentials are
// reachable only through the provider function; toJSON and util.inspect show the identity alone, so
// logging the context cannot print a key.
import type { Db, ItemTransformer } from '@dynamorm/core'
import type { RoleSession } from './role-session.ts'

/** Resolves the partner's current assumed-role credentials (for other AWS clients, e.g. KMS). */
export type PartnerCredentialsProvider = () => Promise<RoleSession>

/** Who a partner is, before its Db exists: what `partnerContext({ transformer })` is given. */
export interface PartnerIdentity {
  id: string
  accountId: string
  region: string
  kmsKeyId: string | undefined
  credentials: PartnerCredentialsProvider
}

export class Partner {
  /** The partner's id, as the authorizer (or your resolver) gave it. */
  readonly id: string
  /** The partner's AWS account, from its role ARN. */
  readonly accountId: string
  /** Region of the partner's tables. */
  readonly region: string
  /** The partner's KMS key for field encryption, if any. */
  readonly kmsKeyId: string | undefined
  /**
   * Query builder in the partner's account: the partner's client and table names, the request's
   * capacity meter and unit of work.
   */
  readonly db: Db
  readonly #credentials: PartnerCredentialsProvider

  constructor(
    identity: { id: string; accountId: string; region: string; kmsKeyId: string | undefined },
    db: Db,
    credentials: PartnerCredentialsProvider,
  ) {
    this.id = identity.id
    this.accountId = identity.accountId
    this.region = identity.region
    this.kmsKeyId = identity.kmsKeyId
    this.db = db
    this.#credentials = credentials
  }

  /** The assumed-role credentials provider (refreshing, never expired), e.g. for a KMS client. */
  get credentials(): PartnerCredentialsProvider {
    return this.#credentials
  }

  /**
   * The same partner with `transformer` as its Db's item codec (same client, table names, meter and
   * unit of work): for a middleware that adds field encryption after partnerContext. Prefer
   * partnerContext's `transformer` option, which builds the Db with it from the start.
   */
  withTransformer(transformer: ItemTransformer): Partner {
    return new Partner(this.toJSON(), this.db.scoped({ transformer }), this.#credentials)
  }

  /** Physical name of one of the partner's tables. */
  tableName(logicalName: string): string {
    return this.db.tableName(logicalName)
  }

  toJSON(): { id: string; accountId: string; region: string; kmsKeyId: string | undefined } {
    return { id: this.id, accountId: this.accountId, region: this.region, kmsKeyId: this.kmsKeyId }
  }

  // util.inspect's hook by its registered symbol, with the inspect Node passes in: no node:util import.
  [Symbol.for('nodejs.util.inspect.custom')](
    _depth: number,
    options: object,
    inspect: (value: unknown, options: object) => string,
  ): string {
    return `Partner ${inspect(this.toJSON(), options)}`
  }
}
