// A partner's assumed-role credentials, cached per container. Fresh until `refreshMarginMs` before
// their Expiration; inside the `refreshAheadMs` window they are still handed out while one background
// AssumeRole replaces them, so requests rarely wait for STS. They are never handed out at or past
// Expiration, and however many requests miss at once, one AssumeRole is in flight per partner.
import type { RoleSession } from './role-session.ts'

export interface CredentialTiming {
  refreshMarginMs: number
  refreshAheadMs: number
  now: () => number
}

export class PartnerCredentials {
  readonly #assume: (requestId: string | undefined) => Promise<RoleSession>
  readonly #timing: CredentialTiming
  #session: RoleSession | undefined
  #refreshing: Promise<RoleSession> | undefined

  constructor(assume: (requestId: string | undefined) => Promise<RoleSession>, timing: CredentialTiming) {
    this.#assume = assume
    this.#timing = timing
  }

  /** Usable credentials: the cached ones when fresh (synchronously), else the single in-flight refresh. */
  current(requestId?: string): RoleSession | Promise<RoleSession> {
    const session = this.#session
    if (session !== undefined) {
      const now = this.#timing.now()
      const expiresAt = session.expiration.getTime()
      if (now < expiresAt - this.#timing.refreshMarginMs) {
        if (now >= expiresAt - this.#timing.refreshAheadMs) {
          // Background refresh: its failure is not this request's; the next one will retry.
          this.#refresh(requestId).catch(() => undefined)
        }
        return session
      }
    }
    return this.#refresh(requestId)
  }

  /**
   * The provider the partner's SDK client signs with. Marked `memoized` so the SDK asks it at every
   * signing instead of keeping its own copy until 5 min before Expiration: this cache is the one that
   * decides, so a refresh applies to the next call. It returns a copy; nothing outside holds the cached object.
   */
  readonly provide = Object.assign(async (): Promise<RoleSession> => ({ ...(await this.current()) }), {
    memoized: true,
  })

  #refresh(requestId: string | undefined): Promise<RoleSession> {
    this.#refreshing ??= this.#assume(requestId)
      .then((session) => {
        this.#session = session
        return session
      })
      .finally(() => {
        this.#refreshing = undefined
      })
    return this.#refreshing
  }
}
