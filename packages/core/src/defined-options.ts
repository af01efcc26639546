/** Options without their undefined fields, so `{ maxAttempts: undefined }` means "the default" when spread over defaults. */
export function definedOptions<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>
}
