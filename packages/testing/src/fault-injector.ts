/** Faults a loopback server or proxy applies to the requests it receives. */
export interface Faults {
  /** Delay before every matching request is handled (until reset or set to 0). */
  latencyMs: number
  /** The next N matching requests get the service's throttling error. */
  throttle: number
  /** The next N matching requests get the service's 500 error. */
  serverError: number
  /** The next N matching requests have their connection destroyed without a response. */
  drop: number
  /** Only requests for this operation (or these operations) are affected; all when omitted. */
  operation?: string | string[]
  /**
   * Which throttling error to send where a service has several (DynamoDB:
   * 'ProvisionedThroughputExceededException' (default), 'ThrottlingException', 'RequestLimitExceeded').
   */
  throttleKind?: string
}

/** Sets a server's faults; `F` is the service's own faults (the DynamoDB proxy adds transaction conflicts). */
export interface FaultInjector<F extends Faults = Faults> {
  /** Merges the given fields into the current faults (fields left out keep their value). */
  set(faults: Partial<F>): void
  /** Back to no faults. */
  reset(): void
}

export type FaultAction = 'none' | 'throttle' | 'serverError' | 'drop'

export interface FaultDecision {
  latencyMs: number
  action: FaultAction
  throttleKind: string | undefined
}

/** The server-side half: each request asks what to do and consumes one counted fault. */
export interface FaultSchedule extends FaultInjector {
  next(operation: string): FaultDecision
  /** Whether the `operation` filter lets faults reach this operation. */
  applies(operation: string): boolean
}

const noFaults = (): Faults => ({ latencyMs: 0, throttle: 0, serverError: 0, drop: 0 })

export function createFaultSchedule(): FaultSchedule {
  let faults = noFaults()
  const applies = (operation: string): boolean => {
    const filter = faults.operation
    if (filter === undefined) return true
    return Array.isArray(filter) ? filter.includes(operation) : filter === operation
  }
  return {
    set(update) {
      faults = { ...faults, ...update }
    },
    reset() {
      faults = noFaults()
    },
    applies,
    next(operation) {
      if (!applies(operation)) return { latencyMs: 0, action: 'none', throttleKind: undefined }
      const decision: FaultDecision = {
        latencyMs: faults.latencyMs,
        action: 'none',
        throttleKind: faults.throttleKind,
      }
      // Counted faults are consumed in this fixed order: throttle, serverError, drop.
      if (faults.throttle > 0) {
        faults.throttle -= 1
        decision.action = 'throttle'
      } else if (faults.serverError > 0) {
        faults.serverError -= 1
        decision.action = 'serverError'
      } else if (faults.drop > 0) {
        faults.drop -= 1
        decision.action = 'drop'
      }
      return decision
    },
  }
}
