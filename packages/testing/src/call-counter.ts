/** Counts calls by a key (operation or role) and in total. */
export interface CallCounter {
  record(key: string): void
  count(key?: string): number
}

export function createCallCounter(): CallCounter {
  const byKey = new Map<string, number>()
  let total = 0
  return {
    record(key) {
      total += 1
      byKey.set(key, (byKey.get(key) ?? 0) + 1)
    },
    count(key) {
      return key === undefined ? total : (byKey.get(key) ?? 0)
    },
  }
}
