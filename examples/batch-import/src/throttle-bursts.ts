// The demo's weather: bursts of throttled BatchWriteItem answers from the fault proxy of
// @dynamorm/testing (DynamoDB Local itself never throttles), so the retries and backoff are visible.

export interface ThrottleFaults {
  set(faults: { throttle: number; operation: string }): void
}

/** Throttles the next `burst` batch calls now and again after every `everySlices` slices. */
export function throttleBursts(faults: ThrottleFaults, everySlices = 5, burst = 3): () => void {
  let slices = 0
  const storm = () => faults.set({ throttle: burst, operation: 'BatchWriteItem' })
  storm()
  return () => {
    slices += 1
    if (slices % everySlices === 0) storm()
  }
}
