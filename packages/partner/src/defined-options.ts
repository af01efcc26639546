/** Options without their undefined fields, so `{ maxPartners: undefined }` means "the default". */
export function definedOptions<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>
}
