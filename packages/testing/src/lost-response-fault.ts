/** The DynamoDB proxy's lost answer: the request reaches DynamoDB and is applied, its answer never arrives. */
export interface LostResponseFaults {
  /**
   * The next N matching requests are forwarded to DynamoDB, which applies them and answers; the answer is
   * then read and the client's connection destroyed before a byte of it is sent, as when a connection
   * resets on the way back: the SDK sees a network error for a call that landed.
   */
  dropResponse: number
}

export interface LostResponseFault {
  /** Takes a count checked by `faultCount`; undefined keeps the current one. */
  set(dropResponse: number | undefined): void
  reset(): void
  /** Consumes one lost answer: true when this request's answer is to be dropped. */
  take(): boolean
}

export function createLostResponseFault(): LostResponseFault {
  let remaining = 0
  return {
    set(dropResponse) {
      if (dropResponse !== undefined) remaining = dropResponse
    },
    reset() {
      remaining = 0
    },
    take() {
      if (remaining === 0) return false
      remaining -= 1
      return true
    },
  }
}
