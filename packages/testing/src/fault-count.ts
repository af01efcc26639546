/** A fault's count, checked before anything is changed so a bad call changes nothing. */
export function faultCount(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${String(value)}`)
  }
  return value
}
