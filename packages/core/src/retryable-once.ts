// Single flight for lazy work (importing an SDK module, building its client): the first caller starts
// it, concurrent callers share it, and a failure is not cached, so the next caller tries again.

/** `make`, run at most once at a time and remembered once it succeeds; a rejection is retried next call. */
export function retryableOnce<T>(make: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined
  return () => {
    pending ??= make().catch((error: unknown) => {
      pending = undefined
      throw error
    })
    return pending
  }
}

/**
 * The error code of a failed dynamic import (`ERR_MODULE_NOT_FOUND`...), or 'import failed': never its
 * message, which quotes the deployment's file paths.
 */
export function importErrorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : 'import failed'
}
