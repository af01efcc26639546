// The demo's weather: bursts of throttled BatchWriteItem answers from the fault proxy of
// @dynamorm/testing (DynamoDB Local itself never throttles), so the retries and backoff are visible.

export interface ThrottleFaults {
  set(faults: { throttle: number; operation: string }): void
}

/**
 * Throttles the next `burst` batch calls now and again after every `everySlices` slices. Fed the
 * import's progress; storms only between slices, when no call is in flight, so every burst lands whole.
 */
export function throttleBursts(
  faults: ThrottleFaults,
  everySlices = 5,
  burst = 3,
): (progress: { slices: number }) => void {
  let seen = 0
  const storm = () => faults.set({ throttle: burst, operation: 'BatchWriteItem' })
  storm()
  return ({ slices }) => {
    if (slices === seen) return
    seen = slices
    if (slices % everySlices === 0) storm()
  }
}
